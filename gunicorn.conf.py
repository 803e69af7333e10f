"""gunicorn's settings for this shop, read from the working directory (`gunicorn storefront.wsgi`)."""


def post_worker_init(worker: object) -> None:
    """Each worker loads the active models before it takes its first request: a load takes up to a
    few seconds (the content model's encoder, the collaborative indexes), which the first shopper
    to reach a fresh worker would otherwise wait for."""
    from recommendations.serving import warm_up

    warm_up()
