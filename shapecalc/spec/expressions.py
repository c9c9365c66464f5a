"""Integer arithmetic on block parameters: `$c // $r`, `$width * 4`, `($c + 7) // 8 * 8`,
`max(1, $c // 4)`, `make_divisible($c // 4, 8)`: what width multipliers and squeeze-and-excitation
channel counts need, so a block can say how a size is derived instead of a table of numbers.

Safe by construction: a small recursive-descent parser over integer literals, `$parameter`s,
`+ - * // %`, unary minus, parentheses and three functions; never `eval`. Its length and nesting
are bounded, so it cannot recurse without limit, and a result beyond int64 is refused (torch
could not hold it anyway). Only integers: `/` is refused with the hint to write `//`, as a
channel count has to be whole. Every error carries the column of the token it is about.
"""

from __future__ import annotations

import re
from typing import Callable

#: An expression is one scalar: beyond this it is a mistake, not a size.
MAX_LENGTH = 500
MAX_DEPTH = 32
INT64 = 2 ** 63

TOKEN = re.compile(r"\s*(?:(\d+)|\$([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*%(),/]))")


def make_divisible(v: int, divisor: int, min_value: int | None = None) -> int:
    """torchvision's `_make_divisible` (from the TensorFlow MobileNet code) on integers: the
    nearest multiple of `divisor`, at least `min_value` (default: the divisor), and never more
    than 10% below v. int(v + divisor / 2) is v + divisor // 2 for an integer v."""
    if divisor <= 0:
        raise ExpressionError("make_divisible: the divisor must be positive", 0)
    floor = divisor if min_value is None else min_value
    new = max(floor, (v + divisor // 2) // divisor * divisor)
    return new + divisor if 10 * new < 9 * v else new


FUNCTIONS: dict[str, tuple[Callable[..., int], int, int]] = {  # name -> (function, fewest, most arguments)
    "max": (max, 2, 16),
    "min": (min, 2, 16),
    "make_divisible": (make_divisible, 2, 3),
}


class ExpressionError(Exception):
    """What is wrong, and at which character of the expression (0-based)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, column) for each token: num, param, name, op; then ("end", "", len)."""
    out, i = [], 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = TOKEN.match(text, i)
        if not m:
            j = i + len(text[i:]) - len(text[i:].lstrip())
            raise ExpressionError(f"unexpected '{text[j]}'", j)
        kind = "num" if m[1] else "param" if m[2] else "name" if m[3] else "op"
        start = m.start(m.lastindex) - (kind == "param")  # a parameter's column is its '$'
        out.append((kind, m[m.lastindex], start))
        i = m.end()
    out.append(("end", "", len(text)))
    return out


class Evaluator:
    """One expression's evaluation; `value(name, column)` gives a parameter's integer value."""

    def __init__(self, text: str, value: Callable[[str, int], int]) -> None:
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"longer than {MAX_LENGTH} characters", 0)
        self.tokens, self.i, self.value, self.depth = tokens(text), 0, value, 0

    def run(self) -> int:
        result = self.sum()
        kind, text, col = self.tokens[self.i]
        if kind != "end":
            shown = f"${text}" if kind == "param" else text
            raise ExpressionError(f"unexpected '{shown}' after a complete expression", col)
        return result

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def checked(self, n: int, col: int) -> int:
        if abs(n) >= INT64:
            raise ExpressionError("the result is beyond int64", col)
        return n

    def sum(self) -> int:
        left = self.product()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            _, op, col = self.take()
            right = self.product()
            left = self.checked(left + right if op == "+" else left - right, col)
        return left

    def product(self) -> int:
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "//", "%", "/"):
            _, op, col = self.take()
            if op == "/":
                raise ExpressionError("'/' gives a fraction: sizes are whole numbers, write '//' to divide and "
                                      "round down", col)
            right = self.unary()
            if op != "*" and right == 0:
                raise ExpressionError(f"'{op}' by zero", col)
            left = self.checked(left * right if op == "*" else left // right if op == "//" else left % right, col)
        return left

    def unary(self) -> int:
        if self.peek()[:2] == ("op", "-"):
            self.take()
            return -self.unary()
        if self.peek()[:2] == ("op", "+"):
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> int:
        kind, text, col = self.take()
        if kind == "num":
            if len(text) > 19:
                raise ExpressionError("the number is beyond int64", col)
            return self.checked(int(text), col)
        if kind == "param":
            return self.value(text, col)
        if kind == "op" and text == "(":
            return self.nested(lambda: self.sum(), col)
        if kind == "name":
            if text not in FUNCTIONS:
                raise ExpressionError(f"unknown function '{text}' (expressions know {', '.join(FUNCTIONS)})", col)
            return self.call(text, col)
        found = "the end" if kind == "end" else f"'{text}'"
        raise ExpressionError(f"expected a number, a $parameter, a function or '(', found {found}", col)

    def nested(self, inside: Callable[[], int], col: int) -> int:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} deep", col)
        result = inside()
        kind, text, close = self.take()
        if (kind, text) != ("op", ")"):
            raise ExpressionError("expected ')' to close the '(' at column " + str(col + 1), close)
        self.depth -= 1
        return result

    def call(self, name: str, col: int) -> int:
        function, fewest, most = FUNCTIONS[name]
        if self.peek()[:2] != ("op", "("):
            raise ExpressionError(f"{name} must be called: {name}(...)", self.peek()[2])
        self.take()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} deep", col)
        args = [self.sum()]
        while self.peek()[:2] == ("op", ","):
            self.take()
            args.append(self.sum())
        kind, text, close = self.take()
        if (kind, text) != ("op", ")"):
            raise ExpressionError(f"expected ',' or ')' in {name}(...)", close)
        self.depth -= 1
        if not fewest <= len(args) <= most:
            raise ExpressionError(f"{name} takes {fewest} to {most} arguments, found {len(args)}", col)
        try:
            return self.checked(function(*args), col)
        except ExpressionError as err:
            raise ExpressionError(err.message, col) from None


def evaluate(text: str, value: Callable[[str, int], int]) -> int:
    """The expression's integer value; raises ExpressionError (message, 0-based column)."""
    return Evaluator(text, value).run()
