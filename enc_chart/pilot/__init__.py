"""The pilot chart of the Songhua River reach Fengman Dam – Wolongtan (issue 4, point 3).

Owns: the reach geometry (`reach`), its settings (`settings`), the synthetic sample inputs
(`survey`, `gauges`, written by `samples` into data/samples/enc/) and the chart builder
(`build.build_pilot_cell`, with `depths`, `navigation`, `frames`), which turns them into an
`enc_chart.cell.Cell` that the importer stores and `enc_chart.s57_writer` exports.

May import: `enc_chart.cell`, `enc_chart.catalogue`, `enc_chart.errors`; never `gis_server` or `layers`.
"""
