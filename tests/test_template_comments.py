"""Django's `{# … #}` comment ends at the line's end: one that runs onto a second line is printed
on the page as text (the sort form showed its own notes to shoppers). Longer notes need
`{% comment %}`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

PROJECT_TEMPLATES = sorted(
    path
    for folder in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]
    for path in folder.rglob("*.html")
)


def template_name(path: Path) -> str:
    return str(path.relative_to(settings.BASE_DIR))


@pytest.mark.parametrize("template", PROJECT_TEMPLATES, ids=template_name)
def test_no_template_prints_a_comment_as_text(template: Path):
    for token in Lexer(template.read_text()).tokenize():
        if token.token_type == TokenType.TEXT and "{#" in token.contents:
            pytest.fail(f"{template}:{token.lineno}: a {{# comment #}} spans lines; use {{% comment %}}")
