"""Everything ML: encoders, ALS, ANN indexes, trending, evaluation, the model registry, serving.

Heavy libraries (torch, transformers, implicit, hnswlib) are imported inside functions only, so
web processes that never serve a model pay nothing for them.
"""
