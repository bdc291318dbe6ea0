"""cape on Apache Spark: the transforms as vectorized UDFs on a SparkSession
(functions.py, session.py) and ``cape-udfs dbt-spark``, which runs dbt-spark's
session method in this process with them registered (runner.py).

This package imports PySpark; ``cape_udfs`` itself never imports it.
"""
