"""REST endpoints of the recommendations app, one module per area: training runs and model
versions (`training_runs`), content search (`search`), personal recommendations (`feed`)."""
