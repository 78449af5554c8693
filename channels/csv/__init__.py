"""CSV order imports (SPEC 5, seed 003): reading files, mapping columns, the validation pass, the
import pipeline and its reports."""
