"""Developer scripts: the local stack, the state diagram, benchmarks."""
