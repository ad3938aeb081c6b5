"""The theme taxonomy: a YAML or JSON file of themes with stable ids."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from feedback_ai.errors import DataError

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "data" / "taxonomy.yaml"
THEME_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_ID = re.compile(THEME_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme; `id` never changes, `name` may."""

    id: str
    name: str
    description: str = ""
    parent: str | None = None
    keywords: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """An ordered set of themes."""

    themes: tuple[Theme, ...]

    @property
    def ids(self) -> list[str]:
        """Theme ids in file order."""
        return [t.id for t in self.themes]

    def get(self, theme_id: str) -> Theme | None:
        """The theme with this id, if any."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def to_dict(self) -> dict:
        """Plain dict, as it would be written to YAML."""
        return {
            "themes": [
                {k: v for k, v in vars_(t).items() if v not in (None, (), "")} for t in self.themes
            ]
        }


def vars_(theme: Theme) -> dict:
    """Dataclass-with-slots to dict."""
    return {
        "id": theme.id,
        "name": theme.name,
        "description": theme.description,
        "parent": theme.parent,
        "keywords": list(theme.keywords),
    }


def taxonomy_from_dict(data: object, *, origin: str = "taxonomy") -> Taxonomy:
    """Validate a parsed taxonomy document."""
    items = data.get("themes") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise DataError(f"{origin}: expected a non-empty list under `themes`.")
    themes: list[Theme] = []
    for n, item in enumerate(items, 1):
        if isinstance(item, str):
            item = {"id": slugify(item), "name": item}
        if not isinstance(item, dict) or "id" not in item:
            raise DataError(f"{origin}: theme #{n} needs at least an `id`.")
        theme_id = str(item["id"])
        if not _ID.match(theme_id):
            raise DataError(
                f"{origin}: theme id {theme_id!r} must be lowercase letters, digits, '_', '.' or '-'."
            )
        unknown = set(item) - {"id", "name", "description", "parent", "keywords"}
        if unknown:
            raise DataError(f"{origin}: theme {theme_id!r} has unknown fields {sorted(unknown)}.")
        keywords = item.get("keywords") or []
        if not isinstance(keywords, list):
            raise DataError(f"{origin}: theme {theme_id!r} `keywords` must be a list of strings.")
        themes.append(
            Theme(
                id=theme_id,
                name=str(item.get("name") or theme_id),
                description=str(item.get("description") or ""),
                parent=item.get("parent"),
                keywords=tuple(str(k) for k in keywords),
            )
        )
    ids = [t.id for t in themes]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise DataError(f"{origin}: duplicate theme ids {sorted(dupes)}.")
    for theme in themes:
        if theme.parent is not None and theme.parent not in ids:
            raise DataError(f"{origin}: theme {theme.id!r} has unknown parent {theme.parent!r}.")
    return Taxonomy(themes=tuple(themes))


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read a taxonomy from YAML or JSON; the bundled default when `path` is None."""
    path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as e:
        raise DataError(f"Cannot read taxonomy {path}: {e}") from e
    return taxonomy_from_dict(data, origin=str(path))


def slugify(label: str) -> str:
    """A theme id for a free-text label ("Card Payment Fee" -> "card_payment_fee")."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:64]
    return slug or "theme"
