"""The state database: report templates, report history, job run history."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .config import Settings
from .db import describe_error, get_engine
from .errors import DatabaseError
from .schema import state_metadata


def open_state(settings: Settings) -> Engine:
    """The state engine with every table created (idempotent)."""
    url = settings.resolved_state_url
    engine = get_engine(url)
    try:
        state_metadata.create_all(engine)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open the state database {describe_error(url, exc)}") from None
    return engine
