"""Search by photo, by words (blended), and "Looks like this": pages and API, on a trained model."""

import base64
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from PIL import Image

from catalog.models import Article
from recommendations.content.selectors import filter_choices
from recommendations.uploads import PREVIEW_MAX_SIDE
from tests.factories import UserFactory
from tests.recommendations.hostile_files import SVG_NAMED_JPG, cut_short_and_closed, encoded, jpeg_photo
from tests.recommendations.photos import garment_photo

pytestmark = pytest.mark.django_db

IMAGE_API = "/api/v1/search/image/"
PAGE = "/shop-the-look/"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def photo_file(data=None, name="look.jpg"):
    upload = io.BytesIO(data if data is not None else encoded(garment_photo(8, "Blue", variant=30), "JPEG"))
    upload.name = name
    return upload


def only_lexical_words_in_search_documents(monkeypatch):
    """Search documents that hold the names only: colour and type are then known to photos alone.

    No word of "red trousers" then matches, so photos stand alone, which takes a margin measured
    on the demo catalogue; the fixture's model, trained on 31 photos, is held to the usual one.
    """
    from recommendations.content import search

    monkeypatch.setattr(search, "STANDALONE_MARGIN_OVER_MEDIAN", search.MIN_MARGIN_OVER_MEDIAN)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_article SET search_vector = to_tsvector('english', prod_name)")


# --- search by photo: API -------------------------------------------------------------------------


def test_a_photo_finds_articles_of_the_same_kind(client, trained):
    response = client.post(IMAGE_API, {"image": photo_file()})
    assert response.status_code == 200
    body = response.json()
    assert body["available"] is True
    assert body["results"][0]["article"]["product_type"] == "Bag"
    assert set(body["results"][0]) == {"article", "reason", "score"}


@pytest.mark.parametrize("colour, index_group", [("Red", "Menswear"), ("red", "menswear")])  # names, slugs
def test_photo_search_applies_the_filters(client, trained, colour, index_group):
    response = client.post(IMAGE_API, {"image": photo_file(), "colour": colour, "index_group": index_group})
    results = response.json()["results"]
    assert results
    assert {(r["article"]["colour"], r["article"]["index_group"]) for r in results} == {("Red", "Menswear")}


def test_an_unknown_filter_value_is_refused_by_field_with_the_values_it_takes(client, trained):
    response = client.post(IMAGE_API, {"image": photo_file(), "colour": "Ultraviolet"})
    assert response.status_code == 400
    message = response.json()["colour"][0]
    assert "Ultraviolet" in message
    # An API client has no select to pick from: the message lists the values.
    assert f"Use one of: {', '.join(filter_choices()['colour'])} (or leave it empty)." in message


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        (lambda: {}, 400, "Choose a photo"),
        (lambda: {"image": photo_file(b"")}, 400, "empty"),
        (lambda: {"image": [photo_file(), photo_file()]}, 400, "one photo at a time"),
        (lambda: {"image": photo_file(SVG_NAMED_JPG)}, 415, "SVG"),
        (lambda: {"image": photo_file(encoded(garment_photo(0, "Red"), "GIF"))}, 415, "GIF"),
        (lambda: {"photo": photo_file()}, 400, "“image”"),
        (lambda: {"image": photo_file(cut_short_and_closed(jpeg_photo()))}, 400, "That photo is incomplete"),
    ],
)
def test_bad_uploads_get_a_json_message(client, no_content_model, payload, status, words):
    response = client.post(IMAGE_API, payload())
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_an_oversized_request_is_refused_from_its_declared_length(client, settings, no_content_model):
    settings.MAX_UPLOAD_BYTES = 2000
    response = client.post(IMAGE_API, {"image": photo_file(jpeg_photo(size=(600, 600)))})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_without_a_content_model_photo_search_says_it_is_unavailable(client, no_content_model):
    response = client.post(IMAGE_API, {"image": photo_file()})
    assert response.status_code == 200
    assert response.json() == {"available": False, "results": []}


def test_photo_search_is_throttled_per_client(client, trained, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "2/min", "search_anon": "2/min"},
    }
    statuses = [client.post(IMAGE_API, {"image": photo_file()}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Another shopper (signed in) has their own allowance.
    other = Client()
    other.force_login(UserFactory())
    assert other.post(IMAGE_API, {"image": photo_file()}).status_code == 200


# --- search by photo: the page --------------------------------------------------------------------


def test_the_page_offers_upload_camera_and_filters(client, trained):
    page = client.get(PAGE).content.decode()
    assert 'type="file"' in page and 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="Bag">Bag</option>' in page
    assert "shop-the-look.js" in page


def test_uploading_a_photo_shows_similar_articles(client, trained):
    response = client.post(PAGE, {"image": photo_file(), "product_type": "Bag"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="look-results"' in page
    assert page.count('class="card"') >= 3
    assert '<option value="Bag" selected>' in page


def test_the_results_show_the_photo_searched_with_inside_the_page(client, trained):
    # A wide orange photo, framed as the shopper sent it; the page carries a small copy of it.
    photo = Image.new("RGB", (1200, 600), (230, 120, 20))
    response = client.post(PAGE, {"image": photo_file(encoded(photo, "JPEG"))})
    page = response.content.decode()
    found = re.search(r'<img src="data:image/jpeg;base64,([^"]+)" width="(\d+)" height="(\d+)"', page)
    assert found is not None, "no thumbnail of the photo on the results page"
    preview = Image.open(io.BytesIO(base64.b64decode(found[1])), formats=["JPEG"])
    assert preview.size == (PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE // 2) == (int(found[2]), int(found[3]))
    red, green, blue = preview.getpixel((preview.width // 2, preview.height // 2))
    assert red > 200 and 90 < green < 150 and blue < 50


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (SVG_NAMED_JPG, 415, "SVG files are not accepted"),
        (b"", 400, "That file is empty"),
        (b"GIF89a" + b"\x00" * 40, 415, "GIF files are not accepted"),
        (cut_short_and_closed(jpeg_photo()), 400, "That photo is incomplete"),
    ],
)
def test_a_bad_upload_is_explained_on_the_page(client, trained, data, status, words):
    response = client.post(PAGE, {"image": photo_file(data)})
    assert response.status_code == status
    assert words in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_the_page_does_not_read_an_oversized_body(rf, trained, settings):
    from recommendations.views import shop_the_look

    request = rf.post(PAGE, {"image": photo_file()})
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.user = UserFactory.build()
    response = shop_the_look(request)
    assert response.status_code == 413
    assert not request._read_started


def test_the_page_is_throttled_with_a_message(client, trained, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "2/min", "search_anon": "2/min"},
    }
    statuses = [client.post(PAGE, {"image": photo_file()}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    last = client.post(PAGE, {"image": photo_file()})
    assert "Please wait" in last.content.decode()
    assert int(last["Retry-After"]) > 0


def test_without_a_content_model_the_page_says_so(client, no_content_model):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert 'data-testid="unavailable"' in response.content.decode()


# --- looks like this ------------------------------------------------------------------------------


def test_the_product_page_shows_looks_like_this(client, trained):
    articles = trained[0]
    page = client.get(articles[0].get_absolute_url()).content.decode()
    assert 'data-slot="looks-like-this"' in page


def test_the_similar_api_lists_other_products(client, trained):
    article = trained[0][5]
    response = client.get(f"/api/v1/articles/{article.display_id}/similar/?limit=5")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    assert all(r["article"]["product_code"] != article.product_code for r in results)


def test_the_similar_api_validates_its_input(client, trained):
    assert client.get("/api/v1/articles/123456789/similar/").status_code == 404
    article = trained[0][0]
    assert client.get(f"/api/v1/articles/{article.article_id}/similar/?limit=0").status_code == 400
    assert client.get(f"/api/v1/articles/{article.article_id}/similar/?limit=x").status_code == 400


# --- search by words: the blend -------------------------------------------------------------------


def test_words_find_photos_whose_text_does_not_say_them(client, trained, monkeypatch):
    only_lexical_words_in_search_documents(monkeypatch)
    response = client.get("/api/v1/search/", {"q": "red trousers"})
    assert response.status_code == 200
    top = response.json()["results"][0]
    assert (top["product_type"], top["colour"]) == ("Trousers", "Red")


def test_the_search_page_shows_photo_matches_and_still_finds_names(client, trained, monkeypatch):
    only_lexical_words_in_search_documents(monkeypatch)
    articles = trained[0]
    red_trousers = {
        a.get_absolute_url()
        for a in articles
        if (a.product_type_name, a.colour_group_name) == ("Trousers", "Red")
    }
    page = client.get("/search/", {"q": "red trousers"}).content.decode()
    first_link = page.split('data-testid="results"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    assert first_link in red_trousers
    named = articles[10]
    lexical = client.get("/api/v1/search/", {"q": named.prod_name}).json()["results"]
    # Its product, by one of its colours: search lists one article per product.
    assert named.product_code in [item["product_code"] for item in lexical]


def test_nonsense_words_match_no_photos(trained, monkeypatch):
    from recommendations.content.search import semantic_matches

    matches = semantic_matches("red trousers")
    # The fixture's model learns from 31 photos: a couple of its photos clear the margin that was
    # measured on the demo catalogue, and the best of them must be what was asked for.
    assert len(matches) >= 2
    best = Article.objects.get(article_id=matches[0])
    assert (best.product_type_name, best.colour_group_name) == ("Trousers", "Red")
    assert semantic_matches("xyzzy qwerty") == []
    # Photos shown alone (no word of the query matched) are held to their own, higher margin.
    monkeypatch.setattr("recommendations.content.search.STANDALONE_MARGIN_OVER_MEDIAN", 10.0)
    assert semantic_matches("red trousers", standalone=True) == []
    assert semantic_matches("red trousers") == matches


def test_words_do_not_match_an_article_on_a_photo_it_no_longer_has(trained):
    from recommendations.content.search import forget_memoised_matches, semantic_matches

    best = semantic_matches("red trousers")[0]
    Article.objects.filter(pk=best).update(image_sha256="f" * 64)  # as a new upload does
    forget_memoised_matches()

    assert best not in semantic_matches("red trousers")


def test_the_search_api_needs_words(client):
    response = client.get("/api/v1/search/")
    assert response.status_code == 400
    assert "q" in response.json()


def test_search_by_words_is_throttled(client, trained, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "1/min", "search_anon": "1/min"},
    }
    assert client.get("/api/v1/search/", {"q": "top"}).status_code == 200
    assert client.get("/api/v1/search/", {"q": "top"}).status_code == 429
    # The search page counts in the same allowance: it is spent.
    assert client.get("/search/", {"q": "top"}).status_code == 429
