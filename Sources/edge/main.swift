import EdgeServer
print("edge")
