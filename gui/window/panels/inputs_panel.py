"""Where the user defines x, more variables and the expression, and starts backward.

``InputsPanel(session)`` owns the input widgets (``xInput``, ``expressionInput``,
``variablesTable``, ``backwardButton``, ``zeroGradButton``, ``retainGraphCheck``,
``reuseGraphCheck``) and the error bar, which it moves under the field the error is
about. It only edits text: ``commit()`` hands the texts to the session; the window
decides what to run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.window.panels.error_bar import ErrorBar, token_span

__all__ = ["InputsPanel", "MAX_VARIABLES"]

MAX_VARIABLES = 16
MAX_INPUT_LENGTH = 2000


class InputsPanel(QWidget):
    """x, more variables, the expression and the backward options (see the module docstring)."""

    define_requested = Signal()      # Enter in x or a variable: define, then redraw
    forward_requested = Signal()     # Enter in the expression: evaluate and draw
    backward_requested = Signal()
    zero_grad_requested = Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._loading = False
        self.x_input = self._line_edit("xInput", "x = ", "arange(4.0)")
        self.x_input.setToolTip("The definition of x, e.g. arange(4.0) or tensor([1., 2.])")
        self.requires_grad_check = QCheckBox("requires_grad", objectName="requiresGradCheck")
        self.requires_grad_check.setToolTip("x.requires_grad_(True): autograd fills x.grad")
        self.expression_input = self._line_edit("expressionInput", "y = ", "2 * dot(x, x)")
        self.expression_input.setToolTip("The expression y, e.g. 2 * dot(x, x) or "
                                         "torch.exp(x).sum(); Enter draws its graph")
        self.backward_button = QPushButton("&Backward", objectName="backwardButton")
        self.backward_button.setToolTip("Run y = ... again, then y.backward() (Ctrl+Enter)")
        self.backward_button.setDefault(False)
        self.zero_grad_button = QPushButton("&Zero grad", objectName="zeroGradButton")
        self.zero_grad_button.setToolTip("x.grad.zero_() for every leaf (Ctrl+G)")
        self.retain_graph_check = QCheckBox("retain_&graph", objectName="retainGraphCheck")
        self.retain_graph_check.setToolTip("y.backward(retain_graph=True): nodes keep what "
                                           "they saved, so backward can run again")
        self.reuse_graph_check = QCheckBox("re&use graph", objectName="reuseGraphCheck")
        self.reuse_graph_check.setToolTip("Call y.backward() again on the same y instead of "
                                          "running the expression again")
        self.table = self._make_table()
        self.add_button = QPushButton("+ variable", objectName="addVariableButton")
        self.add_button.setToolTip("Define another tensor (w, b, ...) the expression can use")
        self.remove_button = QPushButton("− variable", objectName="removeVariableButton")
        self.remove_button.setToolTip("Remove the selected variable")
        self.error_bar = ErrorBar(session)
        self._build_layout()
        self._connect()
        self.load_from_session()

    # ---- construction ------------------------------------------------------------------

    def _line_edit(self, name: str, prefix: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(objectName=name)
        edit.setPlaceholderText(placeholder)
        edit.setMaxLength(MAX_INPUT_LENGTH)
        edit.setClearButtonEnabled(True)
        edit.setAccessibleName(prefix.strip(" ="))
        return edit

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, 3, objectName="variablesTable")
        table.setHorizontalHeaderLabels(["name", "definition", "requires_grad"])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeToContents)
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setTabKeyNavigation(False)
        table.setToolTip("More tensors, e.g. w = tensor([1., 2., 3., 4.], requires_grad=True)")
        table.setMaximumHeight(110)
        return table

    def _build_layout(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        x_label = QLabel("&x =")
        x_label.setBuddy(self.x_input)
        y_label = QLabel("&y =")
        y_label.setBuddy(self.expression_input)
        grid.addWidget(x_label, 0, 0)
        grid.addWidget(self.x_input, 0, 1)
        grid.addWidget(self.requires_grad_check, 0, 2)
        variables = QHBoxLayout()
        variables.addWidget(self.table, 10)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        variables.addLayout(buttons)
        variables.addStretch(1)
        for button in (self.add_button, self.remove_button):
            button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        grid.addLayout(variables, 2, 1, 1, 2)
        grid.addWidget(y_label, 4, 0)
        grid.addWidget(self.expression_input, 4, 1)
        grid.addWidget(self.backward_button, 4, 2)
        options = QHBoxLayout()
        options.addWidget(self.retain_graph_check)
        options.addWidget(self.reuse_graph_check)
        options.addStretch(1)
        options.addWidget(self.zero_grad_button)
        grid.addLayout(options, 6, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self._grid = grid
        self._error_rows = {"x": 1, "variables": 3, "expression": 5}
        grid.addWidget(self.error_bar, 5, 1, 1, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 4)
        outer.addLayout(grid)

    def _connect(self) -> None:
        self.x_input.returnPressed.connect(self._on_define)
        self.expression_input.returnPressed.connect(self._on_forward)
        self.requires_grad_check.toggled.connect(self._on_requires_grad_toggled)
        self.backward_button.clicked.connect(self._on_backward)
        self.zero_grad_button.clicked.connect(self.zero_grad_requested)
        self.retain_graph_check.toggled.connect(self._on_options_changed)
        self.reuse_graph_check.toggled.connect(self._on_options_changed)
        self.add_button.clicked.connect(self._on_add_variable)
        self.remove_button.clicked.connect(self._on_remove_variable)
        self.table.itemChanged.connect(self._on_table_edited)
        self.x_input.textEdited.connect(self._on_text_edited)
        self.expression_input.textEdited.connect(self._on_text_edited)
        self.session.error_changed.connect(self._on_error_changed)
        self.session.inputs_changed.connect(self.load_from_session)

    # ---- session <-> widgets ---------------------------------------------------------------

    def variables(self) -> dict:
        """x and the table's rows as ``{name: definition}`` (rows without a name are skipped)."""
        variables = {"x": self.x_input.text()}
        for row in range(self.table.rowCount()):
            name = self._cell(row, 0).strip()
            if name and name != "x" and name not in variables:
                variables[name] = self._cell(row, 1)
        return variables

    def grad_switches(self) -> dict:
        """``{name: on}`` of the requires_grad switch of each row of the table."""
        switches = {}
        for row in range(self.table.rowCount()):
            name = self._cell(row, 0).strip()
            item = self.table.item(row, 2)
            if name and name != "x" and name not in switches:
                switches[name] = item is not None and item.checkState() == Qt.Checked
        return switches

    def commit(self) -> None:
        """Give the session what the fields say."""
        self.session.set_inputs(variables=self.variables(),
                                expression=self.expression_input.text(),
                                x_requires_grad=self.requires_grad_check.isChecked(),
                                grad_switches=self.grad_switches())
        self.session.retain_graph = self.retain_graph_check.isChecked()
        self.session.reuse_graph = self.reuse_graph_check.isChecked()

    def load_from_session(self) -> None:
        """Show the session's inputs (after a restore, or an Open)."""
        session = self.session
        self._loading = True
        try:
            _set_text(self.x_input, session.variables.get("x", ""))
            _set_text(self.expression_input, session.expression)
            self.requires_grad_check.setChecked(session.x_requires_grad)
            self.retain_graph_check.setChecked(session.retain_graph)
            self.reuse_graph_check.setChecked(session.reuse_graph)
            extra = [(name, source, session.requires_grad_switch(name))
                     for name, source in session.variables.items() if name != "x"]
            switches = self.grad_switches()
            if extra != [(n, s, switches.get(n, False)) for n, s in self.variables().items()
                         if n != "x"]:
                self.table.setRowCount(0)
                for name, source, on in extra:
                    self._append_row(name, source, on)
            self._update_table_visibility()
        finally:
            self._loading = False

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _append_row(self, name: str, source: str, requires_grad: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(source))
        switch = QTableWidgetItem("")
        switch.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
        switch.setCheckState(Qt.Checked if requires_grad else Qt.Unchecked)
        switch.setToolTip(f"{name}.requires_grad_(True): the graph has {name} and autograd "
                          f"fills {name}.grad (off: as the definition says)")
        self.table.setItem(row, 2, switch)

    def _update_table_visibility(self) -> None:
        has_rows = self.table.rowCount() > 0
        self.table.setVisible(has_rows)
        self.remove_button.setVisible(has_rows)
        self.add_button.setEnabled(self.table.rowCount() < MAX_VARIABLES)

    # ---- slots ------------------------------------------------------------------------------

    def _on_define(self) -> None:
        self.commit()
        self.define_requested.emit()

    def _on_forward(self) -> None:
        self.commit()
        self.forward_requested.emit()

    def _on_backward(self) -> None:
        self.commit()
        self.backward_requested.emit()

    def _on_requires_grad_toggled(self, _checked: bool) -> None:
        if not self._loading:
            self.commit()

    def _on_options_changed(self, _checked: bool) -> None:
        if not self._loading:
            self.session.retain_graph = self.retain_graph_check.isChecked()
            self.session.reuse_graph = self.reuse_graph_check.isChecked()

    def _on_text_edited(self, _text: str) -> None:
        edit = self.sender()
        if edit is not None and edit.property("invalid"):
            _mark_invalid(edit, False)

    def _on_add_variable(self) -> None:
        if self.table.rowCount() >= MAX_VARIABLES:
            return
        taken = set(self.variables())
        name = next(n for n in ("w", "b", "v", "u", "z", "a", "c", "d") + tuple(
            f"w{i}" for i in range(MAX_VARIABLES + 1)) if n not in taken)
        self._loading = True
        self._append_row(name, "tensor([1., 2., 3., 4.])", requires_grad=True)
        self._loading = False
        self._update_table_visibility()
        self.table.setCurrentCell(self.table.rowCount() - 1, 1)
        self.table.setFocus()
        self.commit()

    def _on_remove_variable(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
        self._update_table_visibility()
        self.commit()

    def _on_table_edited(self, _item) -> None:
        if not self._loading:
            self.commit()
            self.define_requested.emit()

    def _on_error_changed(self) -> None:
        error = self.session.error
        field = error.get("field") if error else None
        for edit in (self.x_input, self.expression_input):
            _mark_invalid(edit, False)
        row = self._error_rows["expression"]
        if field == "x":
            row = self._error_rows["x"]
            self._mark(self.x_input, error)
        elif field == "expression" and error["kind"] == "input":
            self._mark(self.expression_input, error)
        elif field is not None and field != "expression":
            row = self._error_rows["variables"]
        self._grid.addWidget(self.error_bar, row, 1, 1, 2)

    def _mark(self, edit: QLineEdit, error: dict) -> None:
        _mark_invalid(edit, True)
        offset = error.get("offset")
        if offset is not None and edit.text() == error.get("source"):
            start, end = token_span(edit.text(), offset)
            edit.setSelection(start, max(end - start, 0))


def _set_text(edit: QLineEdit, text: str) -> None:
    if edit.text() != text:
        edit.setText(text)


def _mark_invalid(edit: QLineEdit, invalid: bool) -> None:
    if bool(edit.property("invalid")) == invalid:
        return
    edit.setProperty("invalid", invalid)
    edit.setStyleSheet("QLineEdit { border: 2px solid #dc2626; border-radius: 3px; }"
                       if invalid else "")

