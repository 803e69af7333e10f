"""A demo data set in the Kaggle H&M layout, generated rather than downloaded.

`generate.generate_demo_data` writes it; the modules split the work: `hierarchy` and `vocab` (words),
`articles` (catalogue), `tastes` (shopper segments), `customers`, `transactions` (the weekly purchase
simulation) and `images` (Fashion-MNIST photos, coloured and patterned). Only the management
command imports this package: numpy stays out of web processes.
"""
