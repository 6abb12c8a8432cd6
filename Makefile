# The two commands of the README. Each installs what it needs first (scripts/require.sh).
.PHONY: demo test

# Builds Edge and previews the demo site (Sites/demo) on http://127.0.0.1:8080.
demo:
	scripts/require.sh build
	swift run edge

# The whole test suite. The width keeps at most 8 tests running at once (see README).
test:
	scripts/require.sh test
	swift test --experimental-maximum-parallelization-width 8
