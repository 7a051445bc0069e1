"""Column-role detection on the header styles real exports use."""

from __future__ import annotations

import pytest

from salescope.schema.roles import ColumnInfo, detect_roles, normalise


def cols(*pairs: tuple[str, str]) -> list[ColumnInfo]:
    return [ColumnInfo(name, kind) for name, kind in pairs]  # type: ignore[arg-type]


def test_typical_export_names() -> None:
    m = detect_roles(
        cols(
            ("Invoice No", "string"),
            ("Invoice Date", "date"),
            ("Cust ID", "string"),
            ("SKU", "string"),
            ("Qty", "integer"),
            ("Unit Price", "float"),
            ("Sales Region", "string"),
        )
    )
    assert m.as_dict() == {
        "order_id": "Invoice No",
        "order_date": "Invoice Date",
        "customer_id": "Cust ID",
        "product_id": "SKU",
        "quantity": "Qty",
        "unit_price": "Unit Price",
        "region": "Sales Region",
    }


def test_snake_case_names_of_the_contract() -> None:
    names = [
        ("order_id", "integer"),
        ("order_date", "date"),
        ("customer_id", "string"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("product_category", "string"),
        ("quantity", "integer"),
        ("unit_price", "float"),
        ("discount", "float"),
        ("sales_amount", "float"),
        ("region", "string"),
    ]
    m = detect_roles(cols(*names))
    assert m.as_dict() == {
        "order_id": "order_id",
        "order_date": "order_date",
        "customer_id": "customer_id",
        "product_id": "product_id",
        "product_name": "product_name",
        "category": "product_category",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "discount": "discount",
        "revenue": "sales_amount",
        "region": "region",
    }


@pytest.mark.parametrize(
    ("header", "kind", "role"),
    [
        ("Umsatz", "float", "revenue"),
        ("Fecha", "date", "order_date"),
        ("Cliente", "string", "customer_id"),
        ("Menge", "integer", "quantity"),
        ("ORDER DATE", "date", "order_date"),
        ("OrderDate", "timestamp", "order_date"),
        ("  net_sales (EUR) ", "float", "revenue"),
        ("Salesperson", "string", "sales_rep"),
        ("Betrag", "float", "revenue"),
        ("Montant", "float", "revenue"),
        ("Stück", "integer", "quantity"),
        ("Einzelpreis", "float", "unit_price"),
        ("Rechnungsdatum", "date", "order_date"),
        ("Kundennr.", "string", "customer_id"),
        ("Summe Brutto", "float", "revenue"),
    ],
)
def test_unusual_headers(header: str, kind: str, role: str) -> None:
    m = detect_roles(cols((header, kind)))
    assert m.column(role) == header


def test_type_must_fit_the_role() -> None:
    # a boolean column called "Sales" is not an amount
    m = detect_roles(cols(("Sales", "boolean")))
    assert not m.has("revenue")


def test_override_wins_and_frees_nothing_else() -> None:
    m = detect_roles(
        cols(("Date", "date"), ("Shipped", "date"), ("Amount", "float")),
        overrides={"order_date": "Shipped"},
    )
    assert m.column("order_date") == "Shipped"
    assert m.column("revenue") == "Amount"
    assert m.matches[0].confidence == 1.0


def test_each_column_gets_one_role_and_the_stronger_match_wins() -> None:
    m = detect_roles(cols(("Sales", "float"), ("Revenue", "float")))
    assert m.column("revenue") == "Revenue"
    assert "Sales" in m.unmapped


def test_normalise() -> None:
    assert normalise("Invoice No.") == "invoice_no"
    assert normalise("Straße") == "strasse"
    assert normalise("Qty2") == "qty_2"


def test_text_column_of_dates_beats_a_partial_id_match() -> None:
    # "order_date" also contains the word "order"; its values settle it
    m = detect_roles([ColumnInfo("order_date", "string", date_share=1.0, number_share=0.0)])
    assert m.column("order_date") == "order_date"
    assert not m.has("order_id")


def test_amounts_written_as_text_still_count_as_amounts() -> None:
    m = detect_roles([ColumnInfo("Umsatz", "string", date_share=0.0, number_share=1.0)])
    assert m.column("revenue") == "Umsatz"
    # the same header over text that is not numbers is a weak match at best
    weak = detect_roles([ColumnInfo("Umsatz", "string", date_share=0.0, number_share=0.0)])
    assert weak.matches == () or weak.matches[0].confidence < 0.5
