"""The update sequence of a cell: base edition, then updates 1, 2, … of that edition, none missing.

For a cell on disk the proof is `enc_chart.exchange_set.check_cell` (the one the importer uses):
the update files beside the base cell numbered 1, 2, 3 … without a gap, each update's DSID naming
the same cell, the base cell's edition (EDTN) and its own number (UPDN). Its refusal becomes an
OM-UPDATE-SEQ finding carrying its reason (GDAL stops applying updates at the first gap, so a gap
silently drops every later update). An update file must also leave DSID-UADT empty (S-58 533 and
1522b, both reported), read with `enc_chart.iso8211.read_dsid`. Any other refusal of `check_cell`
(a file whose checksum differs from the one its CATALOG.031 lists) is OM-EXCHANGE-SET.

Without the files (a cell built in memory) the names in `CellInfo.updates_applied` are checked for
the same numbering.
"""

from __future__ import annotations

import re
from pathlib import Path

from enc_chart.cell import CellInfo
from enc_chart.errors import ChartInputError, CorruptCellError, UpdateSequenceError
from enc_chart.exchange_set import cell_files, check_cell
from enc_chart.iso8211 import read_dsid
from enc_chart.validate.finding import Finding, finding

_NUMBER = re.compile(r"\.(\d{3})$")


def split_message(text: str) -> tuple[str, str]:
    """A "中文 / English" message of the chart package as its two halves."""
    zh, sep, en = text.partition(" / ")
    return (zh, en) if sep else (text, text)


def check_update_files(base: Path) -> list[Finding]:
    files = cell_files(base)
    out: list[Finding] = []
    try:
        check_cell(files)
    except UpdateSequenceError as exc:
        out.append(finding("OM-UPDATE-SEQ", *split_message(exc.message)))
    except CorruptCellError:
        pass  # a malformed file: the reader reports it (OM-READ)
    except ChartInputError as exc:  # e.g. a checksum that does not match the exchange set's catalogue
        out.append(finding("OM-EXCHANGE-SET", *split_message(exc.message)))
    for update in files.updates:
        try:
            dsid = read_dsid(update)
        except ChartInputError:
            continue
        if dsid.update_date is not None:
            uadt = dsid.update_date.strftime("%Y%m%d")
            out.append(finding("533", f"更新文件 {update.name} 填写了 DSID-UADT（{uadt}）",
                               f"DSID-UADT populated in update file {update.name} ({uadt})"))
            out.append(finding("1522b", f"更新文件 {update.name} 的 UADT 非空（{uadt}）",
                               f"UADT is not null for update {update.name} ({uadt})"))
    return out


def check_applied(info: CellInfo) -> list[Finding]:
    """Numbering of the updates a cell says were applied (no files at hand): 1, 2, … and the last = UPDN."""
    numbers = [int(m.group(1)) for name in info.updates_applied if (m := _NUMBER.search(name))]
    out = []
    if numbers != list(range(1, len(numbers) + 1)):
        names = ", ".join(info.updates_applied)
        out.append(finding("OM-UPDATE-SEQ", f"已应用的更新编号不连续：{names}",
                           f"updates applied out of sequence: {names}"))
    if numbers and info.update != numbers[-1]:
        out.append(finding("OM-UPDATE-SEQ", f"图幅更新号 {info.update} 与最后应用的更新 {numbers[-1]} 不一致",
                           f"cell update number {info.update} differs from the last update applied ({numbers[-1]})"))
    return out
