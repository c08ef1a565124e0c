"""Development tooling: the data generator, page and import benchmarks, load test.

Not needed to run the product, and left out of the built package: the settings
install it only when it is there, and nothing outside it imports it.
"""
