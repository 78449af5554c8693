"""`field__any=[...]`: membership as `= ANY(array)`, one parameter however long the list.

Django's `__in` writes one placeholder per value, and a mass action's chunk of a thousand ids then
costs a thousand parameters to prepare in Django and to splice into the SQL in psycopg, per query.
An array is one parameter; PostgreSQL plans `= ANY` exactly as it plans IN (an index scan).
"""

from django.db.models import Field, ForeignObject, Lookup


def sql_array(values) -> str:
    """An array literal for one query parameter (`%s::bigint[]`, `%s::text[]`). psycopg's client-side
    binding quotes a Python list element by element in Python (about 14 ms for a batch's 2,000
    references); one string is quoted at once."""
    return (
        "{"
        + ",".join('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
        + "}"
    )


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False  # the list as one value, not each value through the field

    def get_db_prep_lookup(self, value, connection):
        return "%s", [sql_array(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY({rhs}::{array_type}[])", (*lhs_params, *rhs_params)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations look up only their own registrations
