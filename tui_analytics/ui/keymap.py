"""Keys remapped in the configuration: `[keys] trigger = "r"` (Textual's keymap, by binding id).

`check_keymap` turns the `[keys]` table into the keymap `App.set_keymap` takes, or raises a
ConfigError of one line naming the entry: an action that does not exist, a key Textual does not
know, or two actions on one key. The dashboard calls it before it starts, so a mistake is an
error at the prompt, not a key that silently does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding
from textual.keys import Keys, _normalize_key_list, format_key, key_to_character

from tui_analytics.runtime.errors import ConfigError, unknown
from tui_analytics.ui.keys import BINDINGS

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED = frozenset(key.value for key in Keys if "+" not in key.value) | {"space"}


def actions() -> dict[str, Binding]:
    """The actions `[keys]` can move, by id (each binding of keys.py has one)."""
    return {b.id: b for b in BINDINGS if b.id}


def _valid(key: str) -> bool:
    *mods, base = key.split("+")
    if any(mod not in MODIFIERS for mod in mods) or not base:
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    character = key_to_character(base)  # `question_mark` is `?` (and `banana` a banana: not on a keyboard)
    return base in _NAMED or (character is not None and character.isascii())


def check_keymap(entries: Mapping[str, str]) -> dict[str, str]:
    """The keymap for `entries` (action id -> "key" or "key1,key2"), keys in Textual's long form
    (`?` becomes `question_mark`); ConfigError, naming the entry, for anything wrong."""
    known = actions()
    keymap: dict[str, str] = {}
    for action, keys in entries.items():
        if action not in known:
            raise ConfigError(f"[keys] {unknown('action', action, sorted(known))}")
        normal = _normalize_key_list(keys)
        for key in normal.split(","):
            if not _valid(key):
                raise ConfigError(
                    f"[keys] {action} = {keys!r}: {key!r} is not a key Textual knows "
                    '(a character such as "r" or "?", or a name such as "f5", "ctrl+r")'
                )
        keymap[action] = normal
    owners: dict[str, str] = {}
    for action, binding in known.items():
        for key in keymap.get(action, binding.key).split(","):
            other = owners.setdefault(key, action)
            if other != action:
                moved = action if action in keymap else other
                raise ConfigError(
                    f"[keys] {moved} = {format_key(key)!r}: that key is already {other if moved == action else action}'s"
                )
    return keymap
