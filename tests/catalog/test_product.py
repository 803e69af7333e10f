import html

import pytest

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_it_shows_the_article_at_its_canonical_url(client):
    article = ArticleFactory(
        article_id=108775015,
        prod_name="Strap top",
        colour_group_name="Black",
        price=0.0169,
        detail_desc="Jersey top with narrow shoulder straps.",
    )
    response = client.get("/p/strap-top-black-0108775015/")
    assert response.status_code == 200
    assert response.context["article"] == article
    page = html.unescape(response.text)
    assert "<h1>Strap top</h1>" in page
    assert "€16.90" in page
    assert "Jersey top with narrow shoulder straps." in page
    assert "0108775015" in page


def test_the_image_has_its_size_alt_text_and_loads_first(client):
    ArticleFactory(
        article_id=108775015,
        prod_name="Strap top",
        colour_group_name="Black",
        image="images/010/0108775015.jpg",
        image_thumbnail="thumbs/010/0108775015.jpg",
        image_width=1166,
        image_height=1750,
    )
    page = client.get("/p/strap-top-black-0108775015/").text
    assert (
        '<img src="/media/images/010/0108775015.jpg" width="1166" height="1750" alt="Strap top, Black" '
        'loading="eager" decoding="async" fetchpriority="high" '
        'data-placeholder="/static/img/placeholder.svg" '
        'data-placeholder-alt="Strap top, Black: no photo yet">'
    ) in page


def test_an_article_without_a_photo_gets_the_placeholder(client):
    article = ArticleFactory(image="", image_thumbnail="", prod_name="Basic sock", colour_group_name="Black")
    page = client.get(article.get_absolute_url()).text
    # The placeholder reads "No photo yet": its alt says so too, not that a photo of the sock is there.
    assert (
        'src="/static/img/placeholder.svg" width="400" height="600" alt="Basic sock, Black: no photo yet"'
    ) in page


@pytest.mark.parametrize(
    "path",
    ["/p/wrong-slug-0108775015/", "/p/strap-top-black-108775015/", "/p/0108775015/", "/p/108775015/"],
)
def test_other_urls_of_the_article_redirect_permanently_to_the_canonical_one(client, path):
    ArticleFactory(article_id=108775015, prod_name="Strap top", colour_group_name="Black")
    response = client.get(path + "?ref=mail")
    assert response.status_code == 301
    assert response["Location"] == "/p/strap-top-black-0108775015/?ref=mail"


def test_an_unknown_article_is_404(client):
    ArticleFactory(article_id=108775015)
    response = client.get("/p/strap-top-0999999999/")
    assert response.status_code == 404
    assert "find that page" in response.text


def test_colour_variants_are_swatches_linking_to_each_colour(client):
    black = ArticleFactory(product_code=108775, prod_name="Strap top", colour_group_name="Black")
    white = ArticleFactory(product_code=108775, prod_name="Strap top", colour_group_name="White")
    ArticleFactory(product_code=999999, prod_name="Other product")
    response = client.get(black.get_absolute_url())
    assert response.context["variants"] == [black, white]
    page = response.text
    assert f'href="{white.get_absolute_url()}"' in page
    assert 'aria-current="page" data-testid="swatch"' in page
    assert "background: #ffffff" in page  # white swatch


def test_a_single_colour_shows_no_swatches(client):
    article = ArticleFactory()
    assert 'data-testid="swatch"' not in client.get(article.get_absolute_url()).text


def test_the_breadcrumb_walks_up_the_category_tree(client):
    article = ArticleFactory(
        index_group_name="Ladieswear",
        section_name="Womens Everyday Basics",
        product_group_name="Garment Upper body",
    )
    response = client.get(article.get_absolute_url())
    assert response.context["breadcrumb"] == [
        ("Ladieswear", "/c/ladieswear/"),
        ("Womens Everyday Basics", "/c/ladieswear/womens-everyday-basics/"),
        ("Garment Upper body", "/c/ladieswear/womens-everyday-basics/garment-upper-body/"),
    ]
    # Each crumb leads to a page that exists.
    for _, url in response.context["breadcrumb"]:
        assert client.get(url).status_code == 200


def test_the_product_page_runs_the_same_few_queries_however_many_variants(client, queries_for):
    few = ArticleFactory(product_code=1)
    ArticleFactory(product_code=1)
    many = ArticleFactory(product_code=2)
    ArticleFactory.create_batch(20, product_code=2)
    client.get(few.get_absolute_url())  # warms the cached category tree, as on a running site
    few_queries = queries_for(client, few.get_absolute_url())
    many_queries = queries_for(client, many.get_absolute_url())
    assert len(few_queries) == len(many_queries)
    # Today: the article and its variants. Recommendation shelves may add a query or two each.
    assert len(many_queries) <= 6


def test_a_colour_that_never_sold_shows_the_price_its_other_colours_sold_at(client):
    from catalog.importer.article_stats import refresh_article_stats
    from tests.factories import PurchaseFactory

    black = ArticleFactory(product_code=108775, colour_group_name="Black", price=None, first_sold_on=None)
    ArticleFactory(
        article_id=108775044, product_code=108775, prod_name="Strap top", colour_group_name="White",
        price=None, first_sold_on=None,
    )
    PurchaseFactory(article=black, price=0.0169)

    refresh_article_stats()

    page = client.get("/p/strap-top-white-0108775044/").text
    assert '<p class="product-price" data-testid="price">€16.90</p>' in html.unescape(page)


def test_an_article_without_a_price_says_so(client):
    ArticleFactory(article_id=108775015, prod_name="Strap top", colour_group_name="Black", price=None)

    page = client.get("/p/strap-top-black-0108775015/").text

    assert '<p class="product-price is-unknown" data-testid="price">Price not available</p>' in page
