"""What shoppers type: the texts the heads are trained on and the queries they are judged by.

Training pairs each catalogue photo with short texts built from its metadata the way people
search ("black striped t-shirt", "dress for women", its name, its description), in varied
templates with attributes dropped at random, so that the heads learn colour, pattern and type as
separate words instead of memorising one sentence per photo. The evaluation adds phrasings that
never appear in training to check that the text tower's language knowledge carries over.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# H&M's graphical appearance names → the word a shopper uses for them; others are lower-cased.
PATTERN_WORDS = {
    "Solid": "plain",
    "Stripe": "striped",
    "Check": "checked",
    "Dot": "dotted",
    "All over pattern": "patterned",
    "Placement print": "printed",
    "Front print": "printed",
    "Melange": "melange",
    "Denim": "denim",
    "Lace": "lace",
    "Glittering/Metallic": "glittery",
    "Metallic": "metallic",
    "Sequin": "sequinned",
    "Colour blocking": "colour-block",
    "Jacquard": "jacquard",
    "Embroidery": "embroidered",
    "Transparent": "sheer",
    "Mesh": "mesh",
    "Argyle": "argyle",
}
# The nouns of the same patterns, for phrasings like "a top with stripes".
PATTERN_NOUNS = {
    "Stripe": "stripes",
    "Check": "checks",
    "Dot": "polka dots",
    "All over pattern": "an all-over pattern",
    "Placement print": "a print",
    "Front print": "a print",
    "Lace": "lace",
    "Embroidery": "embroidery",
    "Sequin": "sequins",
}
AUDIENCES = {
    "Ladieswear": "women",
    "Menswear": "men",
    "Divided": "teens",
    "Sport": "sport",
    "Baby/Children": "kids",
}

TRAINING_TEMPLATES = (
    "{colour} {type}",
    "{pattern} {type}",
    "{colour} {pattern} {type}",
    "{pattern} {colour} {type}",
    "{type}",
    "{type} {colour}",
    "{colour} {type} for {audience}",
    "{pattern} {type} for {audience}",
    "{type} for {audience}",
    "{colour} {pattern} {type} {department}",
    "{department} {type} in {colour}",
    "{name}",
    "{name} {colour}",
    "{colour} {name}",
    "{description}",
    "{colour}",
    "{pattern} {colour}",
)

# Never used in training: the "unseen phrasing" queries of the evaluation.
UNSEEN_TEMPLATES = (
    ("colour", "looking for a {colour} {type}"),
    ("colour", "do you have any {type} that is {colour}?"),
    ("colour", "i want something {colour}, maybe a {type}"),
    ("pattern", "show me a {type} with {pattern_noun}"),
    ("pattern", "need a {pattern} {type} please"),
)


@dataclass(frozen=True)
class ArticleText:
    """The metadata of one article that shoppers' words refer to."""

    name: str
    type: str
    colour: str
    pattern_name: str
    department: str
    index_group: str
    description: str

    @property
    def pattern(self) -> str:
        return PATTERN_WORDS.get(self.pattern_name, self.pattern_name.lower())

    @property
    def pattern_noun(self) -> str:
        return PATTERN_NOUNS.get(self.pattern_name, self.pattern)

    @property
    def audience(self) -> str:
        return AUDIENCES.get(self.index_group, self.index_group.lower())

    def fill(self, template: str) -> str:
        text = template.format(
            colour=self.colour.lower(),
            type=self.type.lower(),
            pattern=self.pattern,
            pattern_noun=self.pattern_noun,
            audience=self.audience,
            department=self.department.lower(),
            name=self.name,
            description=self.description,
        )
        return " ".join(text.split())


def training_texts(article: ArticleText, count: int, rng: random.Random) -> list[str]:
    """`count` distinct-as-possible shopper texts for one article (duplicates allowed when few)."""
    templates = list(TRAINING_TEMPLATES)
    if not article.description:
        templates.remove("{description}")
    chosen = rng.sample(templates, k=min(count, len(templates)))
    return [article.fill(template) for template in chosen]
