"""Tables of the naive levelling-bot baseline (imported only by the benchmark)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Msg(Base):
    __tablename__ = "msg"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    member: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(String)


class Mem(Base):
    __tablename__ = "mem"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    xp: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
