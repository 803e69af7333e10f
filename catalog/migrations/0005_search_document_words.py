"""Recompute every article's search document after SEARCH_DOCUMENT_SQL changed how it reads words.

Hyphenated words are one word ("T-shirt" no longer also indexes `shirt`), slashes separate
("Baby/Children"), and the garment group is left out ("Dressed" indexed `dress` on every blazer).
Imports and staff edits write documents with the same SQL; only rows already stored need this.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# A copy of catalog.search.SEARCH_DOCUMENT_SQL as this migration wrote it, not an import: a later
# document may read columns that a database at this migration does not have yet.
WORDS = r"regexp_replace(translate({}, '/', ' '), '(?<=\w)-(?=\w)', '', 'g')"
SEARCH_DOCUMENT_SQL = f"""
    setweight(to_tsvector('english', {WORDS.format("coalesce(prod_name, '')")}), 'A')
    || setweight(to_tsvector('english', {WORDS.format(
        "concat_ws(' ', product_type_name, colour_group_name, perceived_colour_master_name, graphical_appearance_name)"
    )}), 'B')
    || setweight(to_tsvector('english', {WORDS.format(
        "concat_ws(' ', department_name, index_group_name, section_name, product_group_name)"
    )}), 'C')
    || setweight(to_tsvector('english', {WORDS.format("coalesce(detail_desc, '')")}), 'D')
"""


def recompute_search_documents(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The SQLite demo searches without the document.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE catalog_article SET search_vector = {SEARCH_DOCUMENT_SQL}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_article_id_range")]
    # Going back leaves the new documents: the older code reads them, only a little less well.
    operations = [migrations.RunPython(recompute_search_documents, migrations.RunPython.noop)]
