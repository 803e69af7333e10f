"""The H&M importer: reads the Kaggle layout (articles.csv, customers.csv, transactions_train.csv,
images/) into the database. `dataset.import_dataset` is the entry point; see its docstring.
"""
