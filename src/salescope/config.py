"""salescope.yml as pydantic models: the column mapping and report options."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salescope.deliver.settings import DeliverSettings, load_deliver_settings
from salescope.errors import ConfigError

if TYPE_CHECKING:
    from salescope.metrics.semantic import Dimension, Metric
from salescope.settings import ALL_FORMATS, DeclaredJoin, Format, Thresholds

SideKind = Literal["marketing", "campaigns", "quotas", "targets", "inventory"]


class JoinSetting(BaseModel):
    """One join under ``joins:``: ``table.column`` holds values of ``to.to_column``, a key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(description="the table that points (file name, or db#table)")
    column: str
    to: str = Field(description="the table pointed at, whose to_column is unique")
    to_column: str


class MetricSetting(BaseModel):
    """One entry of ``metrics:``: a figure of your own, as a formula over the measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expr: str = Field(description="arithmetic over measures, e.g. revenue - cost")
    format: Literal["money", "percent", "count", "number"] = Field(
        "number", description="how it is written: money, percent (a fraction), count, number"
    )
    label: str | None = Field(None, description="name in the report (default: from the key)")
    good: Literal["up", "down", "none"] = Field(
        "up", description="which way is good news: up, down or none"
    )


class DimensionSetting(BaseModel):
    """One entry of ``dimensions:``: a column of the data to break revenue down by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(description="the column's header in the data (any case)")
    label: str | None = Field(None, description="name in the report (default: from the key)")


class QualitySetting(BaseModel):
    """``quality:``: how validation treats what it finds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duplicates: Literal["keep", "drop"] = Field(
        "keep",
        description="exact copies of a line inside one input: keep them as real lines "
        "(flagged, with the revenue at stake) or drop all but one; copies across stacked "
        "inputs are always counted once",
    )


class Config(BaseModel):
    """Everything that changes what a report says.

    >>> Config(mapping={"order_date": "Fecha"}).mapping["order_date"]
    'Fecha'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mapping: dict[str, str | None] = Field(
        default_factory=dict,
        description="role -> column name; overrides automatic detection (null: the role "
        "gets no column)",
    )
    joins: list[JoinSetting] = Field(
        default_factory=list,
        description="joins the detection missed, e.g. [{table: sales.csv, column: cust, "
        "to: customers.csv, to_column: id}]",
    )
    line_types: dict[str, Literal["sale", "non_merchandise"]] = Field(
        default_factory=dict,
        description="product code or name -> line type, to correct the detection, e.g. "
        "{POST: sale, 'Gift wrap': non_merchandise}",
    )
    config_file: str | None = Field(
        None, exclude=True, description="set by salescope: the salescope.yml that was read"
    )
    quality: QualitySetting = Field(default_factory=QualitySetting)  # type: ignore[arg-type]
    ignore: list[str] = Field(
        default_factory=list, description="columns to leave out before anything is detected"
    )
    metrics: dict[str, MetricSetting] = Field(
        default_factory=dict,
        description="metrics of your own, e.g. {gross_profit: {expr: revenue - cost, format: "
        "money}}; measures and formulas in docs/metrics.md",
    )
    dimensions: dict[str, DimensionSetting] = Field(
        default_factory=dict,
        description="breakdowns of your own, e.g. {brand: {column: Brand}}",
    )
    period: str = Field(
        "latest-quarter",
        description="period to report on: a period (2024-Q3, 2024-09, 2024-W37, 2024, "
        "START..END, all) or a rule taken from the data's last day or as_of: latest-week, "
        "latest-month, latest-quarter, latest-year (the latest complete one), month-to-date, "
        "quarter-to-date, year-to-date, last-N-days",
    )
    as_of: date | None = Field(
        None,
        exclude=True,  # the period it gives is recorded; the day itself is no setting
        description="the day period rules count from (default: the data's last day)",
    )
    compare: str | None = Field(
        None,
        description="period to compare with instead of the previous one, e.g. 2023-Q3 (any "
        "period expression; it must end before the reported period starts)",
    )
    where: str | None = Field(
        None,
        description="report only the lines that match, e.g. \"region = 'West' and channel != "
        "'Email'\" (comparisons, in, between, like, is null, joined by and/or/not)",
    )
    fiscal_year_start: int = Field(1, ge=1, le=12, description="first month of the fiscal year")
    currency: str | None = Field(
        None,
        description="three-letter ISO 4217 code of the amounts, e.g. GBP (any case); default: "
        "the one the amount columns name, e.g. 'Price (EUR)' or '€ 9,90', else unknown: "
        "amounts are shown without a symbol and the report says so",
    )
    holidays: str | None = Field(
        None,
        description="public holiday calendar for unusual days: an ISO 3166 country code (GB, "
        "US, DE ...), with a region after a dash (GB-SCT, US-CA), or none to use no calendar; "
        "default: the country of 90% or more of revenue, from the data's country column",
    )
    top_n: int = Field(10, ge=1, le=1000, description="members listed in product breakdowns")
    min_contribution: float = Field(
        0.03,
        ge=0,
        le=1,
        description="contributors moving less than this share of the revenue change are left out",
    )
    date_format: str | None = Field(
        None, description="how to read text dates, e.g. '%d/%m/%Y' (default: decided per column)"
    )
    decimal: Literal[".", ","] | None = Field(
        None, description="decimal mark of amounts written as text (default: decided per column)"
    )
    formats: tuple[Format, ...] = Field(ALL_FORMATS, description="outputs to write")
    memory_limit: str | None = Field(
        None,
        exclude=True,  # how much memory the engine may use changes no figure: not in the hash
        description="memory DuckDB may use, as a size (4GB, 512MB) or a share of this "
        "machine's memory (25%); beyond it, sorts and joins spill to the scratch folder "
        "(default: 2 GiB for every 25 million lines of input, at most half of the memory)",
    )
    insights: dict[str, float] = Field(
        default_factory=dict,
        description="insight thresholds, e.g. {concentration_share: 0.6}; names and defaults "
        "in docs/insights.md",
    )
    side_tables: dict[SideKind, list[str]] = Field(
        default_factory=dict,
        description="side tables by kind, e.g. {marketing: [spend.csv]}; without this they "
        "are recognised among the inputs by their columns",
    )

    inputs: list[str] = Field(
        default_factory=list,
        exclude=True,  # where the data is read from changes no figure: not in the hash
        description="a report project's data for `salescope run`: files, globs, folders or "
        "database URLs, relative to this file",
    )
    out: str | None = Field(
        None,
        exclude=True,
        description="a report project's output folder for `salescope run`, relative to this "
        "file (default: salescope-report)",
    )
    keep: int = Field(
        1,
        ge=0,
        le=100,
        exclude=True,
        description="earlier reports kept in the output folder (previous/ and earlier/)",
    )
    deliver: DeliverSettings | None = Field(
        None,
        exclude=True,  # who gets the report changes no figure
        description="who gets the report written by `salescope run`: email, slack, teams, "
        "webhook (secrets from environment variables only); see docs/delivery.md",
    )
    history: str | None = Field(
        None,
        exclude=True,
        description="the run history catalog of `salescope run`, a DuckDB file, relative to "
        "this file (default: salescope-history.duckdb beside it)",
    )

    llm: str | None = Field(
        None,
        description="URL of an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) "
        "that may reword the report's text; every number it writes is checked against the "
        "facts, see docs/llm.md (default: no language model)",
    )
    llm_model: str = Field("default", description="model name sent to the llm endpoint")
    llm_timeout: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="seconds to wait for the llm endpoint; without an answer by then the "
        "template text is kept",
    )

    @field_validator("deliver", mode="before")
    @classmethod
    def _deliver(cls, value: object) -> object:
        """Read by the delivery settings' own loader: its errors name the key and never
        repeat a secret."""
        return None if value is None else load_deliver_settings(value)

    @field_validator("metrics")
    @classmethod
    def _custom_metrics(cls, value: dict[str, MetricSetting]) -> dict[str, MetricSetting]:
        from salescope.metrics.semantic import FormulaError, custom_metric

        for name, m in value.items():
            try:
                custom_metric(name, m.expr, m.format, m.label, m.good)
            except FormulaError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("dimensions")
    @classmethod
    def _custom_dimensions(cls, value: dict[str, DimensionSetting]) -> dict[str, DimensionSetting]:
        for name in value:
            if not name.isidentifier() or name.startswith("_"):
                raise ValueError(
                    f"dimensions.{name}: the name must be a word of letters, digits and _"
                )
        return value

    def custom_dimensions(self) -> tuple[Dimension, ...]:
        """The ``dimensions:`` entries as dimensions of the metric layer."""
        from salescope.metrics.semantic import Dimension

        return tuple(
            Dimension(name, name, d.label or name.replace("_", " ").capitalize())
            for name, d in self.dimensions.items()
        )

    def thresholds(self) -> Thresholds:
        """The ``insights:`` thresholds, with ``min_contribution`` (its own setting)."""
        return Thresholds(min_contribution=self.min_contribution, **self.insights)

    def custom_metrics(self) -> tuple[Metric, ...]:
        """The ``metrics:`` entries as metrics of the metric layer."""
        from salescope.metrics.semantic import custom_metric

        return tuple(
            custom_metric(name, m.expr, m.format, m.label, m.good)
            for name, m in self.metrics.items()
        )

    @field_validator("insights")
    @classmethod
    def _known_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        names = [f.name for f in fields(Thresholds) if f.name != "min_contribution"]
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"unknown insight threshold(s) {', '.join(unknown)}; valid: {', '.join(names)}"
            )
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _iso_currency(cls, value: object) -> object:
        """A three-letter code, upper-cased; anything else is a ConfigError (raised as is,
        so ``Config(currency=...)`` and salescope.yml give the same message and hint)."""
        if value is None:
            return None
        code = value.strip().upper() if isinstance(value, str) else ""
        if len(code) == 3 and code.isascii() and code.isalpha():
            return code
        from salescope.narrative.format import SYMBOLS

        named = {sign: iso for iso, sign in SYMBOLS.items()}.get(str(value).strip())
        example = f"`currency: {named}` for {value}" if named else "`currency: GBP`"
        raise ConfigError(
            f"invalid setting currency: {value!r} is not a three-letter ISO 4217 code",
            hint=f"write the code, e.g. {example} (EUR, USD, CHF ...), or leave currency out "
            "to take it from the data; see docs/config.md",
        )

    @field_validator("holidays", mode="before")
    @classmethod
    def _holiday_calendar(cls, value: object) -> object:
        """``none`` (or YAML's ``no``/``false``), or a country code the ``holidays`` package
        knows, upper-cased, with an optional subdivision (``GB-SCT``); anything else is a
        ConfigError listing the codes."""
        if value is None:
            return None
        if value is False or (isinstance(value, str) and value.strip().lower() in ("none", "no")):
            return "none"
        import holidays as calendars

        supported = calendars.list_supported_countries()
        code = value.strip().upper() if isinstance(value, str) else ""
        country, _, region = code.partition("-")
        if country in supported and (not region or region in supported[country]):
            return code
        regions = supported.get(country)
        hint = (
            f"regions of {country}: {', '.join(regions)}"
            if regions
            else f"codes: {', '.join(sorted(c for c in supported if len(c) == 2))}"
        )
        raise ConfigError(
            f"invalid setting holidays: {value!r} is not a holiday calendar",
            hint="write a country code such as `holidays: GB`, a region after a dash "
            f"(`holidays: GB-SCT`), or `holidays: none` for no calendar; {hint}",
        )

    @field_validator("side_tables", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("mapping")
    @classmethod
    def _known_roles(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        from salescope.schema.roles import ROLES

        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(unknown)}; valid roles: {', '.join(ROLES)}"
            )
        return value

    def declared_joins(self) -> list[DeclaredJoin]:
        return [DeclaredJoin(j.table, j.column, j.to, j.to_column) for j in self.joins]

    def sha256(self) -> str:
        """A stable hash of the settings, part of the run id."""
        import hashlib

        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def find_config(path: Path | None, **overrides: object) -> Config:
    """``--config`` when given, else a ``salescope.yml`` in the working directory (the
    report then says it was used), else the defaults."""
    if path is not None:
        return load_config(path, **overrides)
    here = Path.cwd() / "salescope.yml"
    if not here.is_file():
        return load_config(None, **overrides)
    return load_config(here, **overrides).model_copy(update={"config_file": str(here)})


def load_config(path: Path | None, **overrides: object) -> Config:
    """Read salescope.yml (if given) and apply command-line overrides on top."""
    data: dict[str, object] = {}
    if path is not None:
        if not path.exists():
            raise ConfigError(
                f"config file {str(path)!r} not found",
                hint="write one with `salescope init INPUT`, or drop --config",
            )
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"config file {str(path)!r} is not valid YAML: {exc}".splitlines()[0],
                hint="check indentation; see docs/config.md",
            ) from exc
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"config file {str(path)!r} must hold a mapping of settings",
                hint="see docs/config.md for the keys",
            )
        data.update(loaded)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ConfigError(
            f"invalid setting {where}: {first['msg']}",
            hint="see docs/config.md for valid keys and values",
        ) from exc
