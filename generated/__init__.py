"""Generated access interfaces, one package per schema and DBMS. DO NOT EDIT: run ``make generate``."""
