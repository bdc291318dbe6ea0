"""``python -m cape_udfs.spark ARGS...`` is ``cape-udfs dbt-spark ARGS...``.

spark-submit runs Python applications from a .py file, so on a cluster:

    spark-submit --master yarn "$(python -c 'import cape_udfs.spark.__main__ as m; print(m.__file__)')" run

runs dbt on the driver with the cluster's SparkSession.
"""
import sys

from cape_udfs.cli import main

if __name__ == "__main__":
    sys.exit(main(["dbt-spark", *sys.argv[1:]]))
