"""Category labels: every fixed list of indicators.md in its display order, DfE's group names."""

from csperf import category_labels


def test_the_fixed_lists_are_in_the_catalogues_display_order():
    assert category_labels.order("time_in_care_band") == [
        "under 8 weeks", "8 weeks to under 6 months", "6 months to under 1 year",
        "1 to under 2 years", "2 to under 5 years", "5 years and over",
    ]  # fmt: skip
    assert category_labels.order("age_band") == ["0-4", "5-9", "10-15", "16+"]
    assert category_labels.order("category_of_abuse") == [
        "NEG",
        "PHY",
        "SAB",
        "EMO",
        "MUL",
    ]
    assert category_labels.order("open_category") == [
        "looked_after", "cp_plan", "cin_plan", "open_assessment", "care_leaver", "other_cin",
    ]  # fmt: skip
    assert category_labels.order("placement_group")[:3] == [
        "FOSTER",
        "ADOPTION",
        "PARENTS",
    ]
    assert len(category_labels.order("placement_group")) == 9


def test_codes_get_their_labels_and_free_text_stays_as_it_is():
    assert category_labels.label("placement_group", "SECURE_CH") == (
        "Secure homes and children's homes"
    )
    assert category_labels.label("category_of_abuse", "NEG") == "Neglect"
    assert category_labels.label("team", "Locality East") == "Locality East"
