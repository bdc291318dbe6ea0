"""cape-udfs: Cape Privacy policies applied by dbt run (see README.md).

The version lives here and only here: pyproject.toml reads it
(``[tool.setuptools.dynamic]``) and ``cape-udfs info`` prints it.
"""
__version__ = "0.1.0"
