import EdgeCore
print("eviction benchmark")
