"""Collaborative filtering over purchases: implicit ALS, HNSW indexes and honest evaluation.

The modules are small and mostly pure (numpy in, numpy out) so that training, evaluation and
serving share the same code:

- `interactions`: purchases from the database into numpy arrays, id maps, the confidence matrix;
- `als`: the `implicit` fit with limited BLAS threads and per-iteration progress;
- `ann`: hnswlib indexes whose search parameters are chosen by measuring recall;
- `blend`: the "For you" ranking (buy-again, ALS, trending) used by serving *and* evaluation;
- `metrics`, `popularity`, `evaluation`: MAP@12 on a held-out week against simple baselines;
- `training`, `artifact`, `kind`: the `collaborative` model kind of the registry.
"""
