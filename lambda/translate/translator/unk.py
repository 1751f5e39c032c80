"""Replace the model's <unk> output tokens with the source token each one attends to most."""

from __future__ import annotations

UNK = "<unk>"


def replace_unknown(target: list[str], source: list[str], matrix: object) -> list[str]:
    """Return target with every <unk> replaced through the attention matrix (rows = target, cols = source).

    Without a usable matrix an <unk> takes the next source token absent from the output, else it is dropped:
    a missing word reads better than a literal "<unk>".
    """
    if UNK not in target:  # most sentences: nothing to repair, the matrix need not be checked
        return list(target)
    rows = matrix if _usable(matrix, len(target)) else None
    result = []
    for position, token in enumerate(target):
        if token != UNK:
            result.append(token)
            continue
        replacement = _attended(rows[position], source) if rows else None
        if replacement is None:
            replacement = next(
                (word for word in source if word not in target and word not in result and word.isalnum()), None
            )
        if replacement is not None:
            result.append(replacement)
    return result


def _usable(matrix: object, rows: int) -> bool:
    return isinstance(matrix, list) and len(matrix) >= rows and all(isinstance(row, list) for row in matrix[:rows])


def _attended(row: list, source: list[str]) -> str | None:
    # Sockeye's matrix may carry an extra column for </s>: only real source tokens are candidates.
    weights = [(weight, column) for column, weight in enumerate(row[: len(source)]) if isinstance(weight, int | float)]
    if not weights:
        return None
    return source[max(weights, key=lambda pair: (pair[0], -pair[1]))[1]]
