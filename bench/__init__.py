"""Benchmark harness for the evidence bot: quality against BM25, latency, start-up and memory.

Run it with ``python -m bench`` (see ``bench/README.md``). Importing this package is cheap on purpose:
the measuring subprocesses import it too, and anything loaded here would count towards their peak memory.
"""
