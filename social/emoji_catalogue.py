"""The standard Unicode emoji set, read from the `pymojis-fulldata` package.

That package ships Unicode's emoji-test data (groups, subgroups, qualification, skin-tone
bases) merged with the CLDR English annotations (names and keywords), so nothing here is
typed by hand. Only fully-qualified emoji are loaded: they are what keyboards produce, and
the other qualifications are alternative spellings of the same pictures.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from django.utils.text import slugify

FULLY_QUALIFIED = "fully-qualified"
VARIATION_SELECTOR = "FE0F"


@dataclass(frozen=True)
class CatalogueCategory:
    name: str
    display_name: str
    icon: str
    sort_order: int


@dataclass(frozen=True)
class CatalogueEmoji:
    unicode: str
    shortcode: str
    name: str
    description: str
    category: str
    keywords: list[str] = field(default_factory=list)
    skin_tone: str = ""
    base_unicode: str = ""
    unicode_version: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class Catalogue:
    version: str
    categories: list[CatalogueCategory]
    emojis: list[CatalogueEmoji]


def _raw() -> dict:
    source = resources.files("pymojis_fulldata").joinpath("data/full_emoji_data.json")
    return json.loads(source.read_text(encoding="utf-8"))


def _code_key(codes: list[str]) -> tuple[str, ...]:
    return tuple(code.upper() for code in codes if code.upper() != VARIATION_SELECTOR)


def _skin_tone(name: str) -> str:
    # CLDR names variants "waving hand: medium skin tone" (or two tones for couples).
    _, _, qualifier = name.partition(": ")
    tones = [part.strip() for part in qualifier.split(",") if "skin tone" in part]
    return ", ".join(tones)


def _unique_shortcode(preferred: str, name: str, codes: list[str], taken: set[str]) -> str:
    shortcode = preferred or f":{slugify(name).replace('-', '_')}:"
    if shortcode in taken:
        # A few distinct emoji share a generated shortcode (the keycaps "#" and "*").
        suffix = "_".join(code.lower() for code in _code_key(codes))
        shortcode = f"{shortcode[:-1]}_{suffix}:"
    return shortcode


@cache
def catalogue() -> Catalogue:
    """The standard set as plain data, in Unicode's order."""
    data = _raw()
    categories: list[CatalogueCategory] = []
    emojis: list[CatalogueEmoji] = []
    taken: set[str] = set()
    by_code: dict[tuple[str, ...], dict] = {}
    by_name: dict[str, dict] = {}
    for group, subgroups in data["emojis"].items():
        qualified = [
            (subgroup, entry)
            for subgroup, entries in subgroups.items()
            for entry in entries
            if entry["qualification"] == FULLY_QUALIFIED
        ]
        if not qualified:
            continue
        category_name = slugify(group.replace("&", "and"))
        categories.append(
            CatalogueCategory(
                name=category_name,
                display_name=group,
                icon=qualified[0][1]["emoji"],
                sort_order=len(categories) + 1,
            )
        )
        for subgroup, entry in qualified:
            by_code.setdefault(_code_key(entry["code"]), entry)
            by_name.setdefault(entry["name"], entry)
            shortcode = _unique_shortcode(
                entry.get("shortcodes", {}).get("github", ""), entry["name"], entry["code"], taken
            )
            taken.add(shortcode)
            emojis.append(
                CatalogueEmoji(
                    unicode=entry["emoji"],
                    shortcode=shortcode,
                    name=entry["name"],
                    description=f"{group} / {subgroup.replace('-', ' ')}",
                    category=category_name,
                    keywords=list(entry.get("keywords") or []),
                    skin_tone=_skin_tone(entry["name"]),
                    base_unicode="",
                    unicode_version=entry.get("unicode_version") or "",
                    sort_order=len(emojis) + 1,
                )
            )
            if emojis[-1].skin_tone:
                # Multi-person sequences (handshake, couples) name a base that is no
                # emoji of its own; their CLDR name before the colon is the base's name.
                base = by_code.get(_code_key(entry.get("base_code") or [])) or by_name.get(
                    entry["name"].partition(":")[0]
                )
                if base is not None:
                    # Variants carry no annotations of their own; they share their base's.
                    emojis[-1] = CatalogueEmoji(
                        **{
                            **emojis[-1].__dict__,
                            "base_unicode": base["emoji"],
                            "keywords": emojis[-1].keywords or list(base.get("keywords") or []),
                        }
                    )
    return Catalogue(version=str(data.get("@version", "")), categories=categories, emojis=emojis)


def load(*, category_model, emoji_model, batch_size: int = 500) -> int:
    """Insert the standard emoji that are missing; returns how many were added.

    Takes the model classes so that a data migration can pass its historical models.
    Existing rows are left alone, so a staff member's deactivation survives a reload.
    """
    data = catalogue()
    category_ids = {}
    for spec in data.categories:
        category, _ = category_model.objects.get_or_create(
            name=spec.name,
            defaults={
                "display_name": spec.display_name,
                "icon": spec.icon,
                "sort_order": spec.sort_order,
                "description": f"Unicode emoji group {spec.display_name}",
            },
        )
        category_ids[spec.name] = category.pk

    existing = set(emoji_model.objects.filter(is_custom=False).values_list("unicode", flat=True))
    missing = [spec for spec in data.emojis if spec.unicode not in existing]
    emoji_model.objects.bulk_create(
        [
            emoji_model(
                category_id=category_ids[spec.category],
                unicode=spec.unicode,
                shortcode=spec.shortcode,
                name=spec.name,
                description=spec.description,
                keywords=spec.keywords,
                skin_tone=spec.skin_tone,
                unicode_version=spec.unicode_version,
                sort_order=spec.sort_order,
            )
            for spec in missing
        ],
        batch_size=batch_size,
    )

    # Link variants to their bases in a second pass: both must exist first.
    ids = dict(emoji_model.objects.filter(is_custom=False).values_list("unicode", "pk"))
    variants = []
    for spec in missing:
        if spec.base_unicode and spec.base_unicode in ids:
            variants.append(emoji_model(pk=ids[spec.unicode], base_emoji_id=ids[spec.base_unicode]))
    emoji_model.objects.bulk_update(variants, ["base_emoji"], batch_size=batch_size)
    return len(missing)
