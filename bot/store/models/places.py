"""Regions, audiences, bookable services and the offices that offer them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base

__all__ = ["Audience", "BookableService", "Office", "OfficeService", "Region"]


class Region(Base):
    """Where a user lives: chooses the articles and offices that apply."""

    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Emergency numbers: a list of {"kind": "general" | "police" | …, "number": "112"}.
    emergency: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Audience(Base):
    """A user's situation (temporary protection, care leaver, …): scopes articles."""

    __tablename__ = "audiences"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BookableService(Base):
    """Something a person can book: an orientation interview, legal advice, …"""

    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Office(Base):
    """A place people go to, with its opening hours in its own time zone."""

    __tablename__ = "offices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    region_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON)
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    closed: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeService(Base):
    """A service offered at an office: its slot length, capacity and hours."""

    __tablename__ = "office_services"

    office_id: Mapped[str] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
