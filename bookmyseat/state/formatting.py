"""Display formats shared by the pages' states."""

from __future__ import annotations


def rupees(paise: int | None) -> str:
    """₹ with Indian digit grouping, paise shown only when there are any: ₹1,23,456.50."""
    if paise is None:
        return ""
    whole, fraction = divmod(abs(paise), 100)
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join(([head] if head else []) + groups) + "," + tail
    sign = "-" if paise < 0 else ""
    return f"{sign}₹{digits}" + (f".{fraction:02d}" if fraction else "")


def runtime(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m"
