"""The allocation rule on its own (fulfilment/services/allocation_rule.py): no database, just decisions."""

from fulfilment.services.allocation_rule import Held, Need, plan, wanted

MAIN, NORTH = 1, 2
MUG, TEA = 10, 11


def test_a_line_wants_what_is_still_to_ship_while_its_order_holds_stock():
    assert wanted(5, 1, 2, holds_stock=True, has_product=True) == 2
    assert wanted(5, 4, 2, holds_stock=True, has_product=True) == 0  # never below nothing
    assert wanted(5, 0, 0, holds_stock=False, has_product=True) == 0
    assert wanted(5, 0, 0, holds_stock=True, has_product=False) == 0


def test_lines_are_served_in_the_order_given_and_the_rest_is_backordered():
    needs = [
        Need(order_id=1, line_id=100, sku="MUG", key=(MAIN, MUG), wanted=3),
        Need(order_id=2, line_id=200, sku="MUG", key=(MAIN, MUG), wanted=3),
        Need(order_id=2, line_id=201, sku="TEA", key=(MAIN, TEA), wanted=1),
    ]
    result = plan(needs, {(MAIN, MUG): (7, 4), (MAIN, TEA): (8, 0)})
    assert result.new == [(100, 7, 3), (200, 7, 1)]
    assert result.changes == {
        1: {"allocated": ["3 × MUG"], "released": [], "backordered": []},
        2: {"allocated": ["1 × MUG"], "released": [], "backordered": ["2 × MUG", "1 × TEA"]},
    }
    assert dict(result.taken_from) == {7: 4} and dict(result.taken_by) == {100: 3, 200: 1}
    assert result.changed_orders() == [1, 2]


def test_a_line_that_wants_less_keeps_part_of_its_allocation_and_gives_the_rest_back():
    held = Held(pk=50, stock_id=7, key=(MAIN, MUG), quantity=3)
    result = plan([Need(order_id=1, line_id=100, sku="MUG", key=(MAIN, MUG), wanted=1, held=[held])], {})
    assert result.resized == {50: 1} and result.removed == [] and result.new == []
    assert result.freed == {7}
    assert result.changes[1] == {"allocated": [], "released": ["2 × MUG"], "backordered": []}


def test_a_line_that_wants_more_grows_the_allocation_it_has():
    held = Held(pk=50, stock_id=7, key=(MAIN, MUG), quantity=1)
    needs = [Need(order_id=1, line_id=100, sku="MUG", key=(MAIN, MUG), wanted=3, held=[held])]
    result = plan(needs, {(MAIN, MUG): (7, 5)})
    assert result.resized == {50: 3} and result.new == []
    assert result.changes[1] == {"allocated": ["2 × MUG"], "released": [], "backordered": []}


def test_a_line_moved_to_another_warehouse_gives_back_there_and_takes_here():
    held = Held(pk=50, stock_id=7, key=(MAIN, MUG), quantity=2)
    needs = [Need(order_id=1, line_id=100, sku="MUG", key=(NORTH, MUG), wanted=2, held=[held])]
    result = plan(needs, {(MAIN, MUG): (7, 10), (NORTH, MUG): (9, 1)})
    assert result.removed == [50] and result.freed == {7}
    assert result.new == [(100, 9, 1)]
    assert result.changes[1] == {
        "allocated": ["1 × MUG"],
        "released": ["2 × MUG"],
        "backordered": ["1 × MUG"],
    }


def test_units_given_back_are_not_taken_again_in_the_same_plan():
    """They go to the oldest backorders afterwards, as a receipt's would (backorders_allocate)."""
    held = Held(pk=50, stock_id=7, key=(MAIN, MUG), quantity=2)
    needs = [
        Need(order_id=1, line_id=100, sku="MUG", key=(MAIN, MUG), wanted=0, held=[held]),
        Need(order_id=2, line_id=200, sku="MUG", key=(MAIN, MUG), wanted=2),
    ]
    result = plan(needs, {(MAIN, MUG): (7, 0)})
    assert result.removed == [50] and result.new == []
    assert result.changes[2] == {"allocated": [], "released": [], "backordered": ["2 × MUG"]}


def test_an_order_with_nothing_to_do_gets_no_event():
    result = plan([Need(order_id=1, line_id=100, sku="MUG", key=(MAIN, MUG), wanted=0)], {})
    assert result.changes == {1: {"allocated": [], "released": [], "backordered": []}}
    assert result.changed_orders() == []
