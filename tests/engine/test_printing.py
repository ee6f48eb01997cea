"""engine.printing.format_tensor must reproduce torch's tensor repr character for character."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.printing import format_tensor

torch = pytest.importorskip("torch")

NUMPY_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_}


def our_repr(t) -> str:
    """Format torch tensor `t` with engine.printing, from its numpy data and autograd state."""
    grad_fn_name = None if t.grad_fn is None else type(t.grad_fn).__name__
    return format_tensor(t.detach().numpy(), str(t.dtype).removeprefix("torch."),
                         requires_grad=t.requires_grad, grad_fn_name=grad_fn_name)


def assert_same_repr(t) -> None:
    assert our_repr(t) == repr(t)


def as_tensor(values, dtype_name: str):
    return torch.from_numpy(np.array(values, dtype=NUMPY_DTYPES[dtype_name]))


# ------------------------------------------------------------------ examples

@pytest.mark.parametrize(("make", "expected"), [
    (lambda: torch.arange(0, 16, 4, dtype=torch.float32), "tensor([ 0.,  4.,  8., 12.])"),
    (lambda: (torch.tensor(14.0, requires_grad=True) * 2), "tensor(28., grad_fn=<MulBackward0>)"),
    (lambda: torch.arange(4.0).requires_grad_(), "tensor([0., 1., 2., 3.], requires_grad=True)"),
    (lambda: torch.tensor(0.0437, requires_grad=True) ** 2,
     "tensor(0.0019, grad_fn=<PowBackward0>)"),
    (lambda: torch.ones(4, dtype=torch.bool), "tensor([True, True, True, True])"),
    (lambda: torch.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: torch.tensor([1.0, 2.0], dtype=torch.float64),
     "tensor([1., 2.], dtype=torch.float64)"),
    (lambda: torch.zeros(0, 3), "tensor([], size=(0, 3))"),
])
def test_documented_examples(make, expected):
    t = make()
    assert repr(t) == expected  # guards the oracle itself
    assert our_repr(t) == expected


SUMMARY_1D_EXPECTED = "tensor([   0,    1,    2,  ..., 1998, 1999, 2000])"


def test_summarised_vector_literal():
    assert format_tensor(np.arange(2001), "int64") == SUMMARY_1D_EXPECTED


# ------------------------------------------------------------------ fixed cases

rng = np.random.default_rng(0)

CASES = {
    # scalars
    "scalar_float": (3.5, "float32"),
    "scalar_int_valued": (28.0, "float32"),
    "scalar_small": (0.0019, "float32"),
    "scalar_zero": (0.0, "float32"),
    "scalar_neg_zero": (-0.0, "float32"),
    "scalar_nan": (math.nan, "float32"),
    "scalar_inf": (-math.inf, "float64"),
    "scalar_sci": (1e-8, "float32"),
    "scalar_int": (-7, "int64"),
    "scalar_bool": (False, "bool"),
    "scalar_float64": (1 / 3, "float64"),
    # 1-D floats
    "tenth": ([0.1, 0.2, 0.3], "float32"),
    "tenth_float64": ([0.1, 0.2, 0.3], "float64"),
    "third": ([1 / 3, 2 / 3, -1 / 3], "float32"),
    "mixed_signs": ([-1.5, 2.25, 0.0, 3.125], "float32"),
    "int_valued": ([0.0, 4.0, -8.0, 12.0], "float32"),
    "big_int_valued": ([1e8, 1.0, 2.0], "float32"),
    "exactly_1e8": ([1e8, 5e7], "float64"),
    "just_below_1e8": ([99999999.0, 5.0], "float64"),
    "above_1e8": ([123456789.0, 1.0], "float64"),
    "ratio_1000": ([1.0, 1000.0], "float32"),
    "ratio_over_1000": ([1.0, 1000.5], "float32"),
    "ratio_1001_ints": ([1.0, 1001.0], "float32"),
    "large_value": ([123456.7, 1.5], "float32"),
    "large_value_f64": ([123456.7, 200.0], "float64"),
    "tiny": ([1e-5, 2e-5], "float32"),
    "tiny_and_huge": ([1e-30, 1e30], "float32"),
    "huge_float64": ([1e300, -1e-300, 0.0], "float64"),
    "subnormal": ([1e-45, 1.0], "float32"),
    "one_e_minus_4": ([1e-4, 0.05], "float64"),
    "one_e_minus_4_float32": ([1e-4, 0.05], "float32"),  # float32 1e-4 is just below 1e-4
    "nan_inf": ([math.nan, math.inf, -math.inf, 1.5], "float32"),
    "nan_inf_int_valued": ([math.nan, math.inf, -math.inf, 2.0], "float32"),
    "only_nonfinite": ([math.nan, -math.inf], "float32"),
    "nonfinite_sci": ([math.nan, 1e-9, math.inf], "float64"),
    "neg_zero": ([-0.0, 0.0], "float32"),
    "neg_zero_fraction": ([-0.0, 0.5], "float32"),
    "neg_zero_sci": ([-0.0, 1e-7], "float32"),
    "all_zero": ([0.0, 0.0, 0.0], "float64"),
    "rounding": ([0.00005, 0.99995, 2.5e-5 + 1e-4], "float32"),
    "long_row_wraps": (np.linspace(-3, 3, 37), "float32"),
    "long_int_valued_row": (np.arange(40.0), "float32"),
    "long_sci_row": (np.geomspace(1e-6, 1e6, 25), "float64"),
    "random_normal": (rng.standard_normal(20), "float32"),
    # ints and bools
    "ints": ([1, 2, 3], "int64"),
    "negative_ints": ([-1, 0, 10, -300], "int64"),
    "big_ints": ([2**62, -(2**63), 5], "int64"),
    "long_int_row": (np.arange(-50, 50), "int64"),
    "bools": ([True, False, True, True], "bool"),
    "long_bool_row": (rng.random(30) > 0.5, "bool"),
    # 2-D and 3-D
    "matrix": (np.arange(6.0).reshape(2, 3) / 7, "float32"),
    "int_matrix": (np.arange(-6, 6).reshape(3, 4), "int64"),
    "bool_matrix": (np.eye(3, dtype=bool), "bool"),
    "f64_matrix": (np.arange(6.0).reshape(3, 2) * 1e5, "float64"),
    "wide_matrix": (rng.standard_normal((3, 15)), "float32"),
    "wide_cube": (rng.random((2, 2, 10)), "float32"),  # 9 per line at indent 9, not 10
    "cube": (np.arange(24.0).reshape(2, 3, 4) - 10, "float32"),
    "int_cube": (np.arange(24).reshape(2, 3, 4) * 1000, "int64"),
    "single_row": ([[1.5, 2.5]], "float32"),
    "column": ([[1], [2], [3]], "int64"),
    "nested_ones": (np.ones((1, 1, 1)), "float64"),
    # empty
    "empty_1d": (np.zeros(0), "float32"),
    "empty_1d_f64": (np.zeros(0), "float64"),
    "empty_int": (np.zeros(0), "int64"),
    "empty_bool": (np.zeros(0), "bool"),
    "empty_2d": (np.zeros((0, 3)), "float32"),
    "empty_3d_int": (np.zeros((2, 0, 1)), "int64"),
    "empty_3d_f64": (np.zeros((3, 4, 0)), "float64"),
    # summarised (> 1000 elements)
    "summary_1d": (np.arange(1001.0), "float32"),
    "summary_1d_fraction": (np.arange(2000) / 3, "float32"),
    "summary_ints": (np.arange(5000) - 2500, "int64"),
    "summary_bools": (np.arange(1200) % 3 == 0, "bool"),
    "summary_2d": (np.arange(1100.0).reshape(100, 11), "float32"),
    "summary_2d_short_rows": (np.arange(1002.0).reshape(501, 2), "float64"),
    "summary_2d_short_cols": (np.arange(1005.0).reshape(3, 335) * 1e-3, "float32"),
    "summary_six_rows_kept": (np.arange(1200).reshape(6, 200), "int64"),
    "summary_seven_rows_cut": (np.arange(1050).reshape(7, 150), "int64"),
    "summary_3d": (rng.standard_normal((10, 10, 11)), "float32"),
    "summary_hides_outlier": (np.concatenate([[1.0], np.full(1000, 1e9), [2.0]]), "float32"),
    "summary_nan": (np.concatenate([[math.nan], np.ones(1000) / 7]), "float64"),
    "exactly_threshold": (np.arange(1000.0), "float32"),
}


@pytest.mark.parametrize(("values", "dtype_name"), CASES.values(), ids=CASES.keys())
def test_plain_tensor(values, dtype_name):
    assert_same_repr(as_tensor(values, dtype_name))


FLOAT_CASES = {name: case for name, case in CASES.items() if case[1] in ("float32", "float64")}


@pytest.mark.parametrize(("values", "dtype_name"), FLOAT_CASES.values(), ids=FLOAT_CASES.keys())
def test_requires_grad_leaf(values, dtype_name):
    assert_same_repr(as_tensor(values, dtype_name).requires_grad_())


@pytest.mark.parametrize(("values", "dtype_name"), FLOAT_CASES.values(), ids=FLOAT_CASES.keys())
def test_grad_fn_result(values, dtype_name):
    t = as_tensor(values, dtype_name).requires_grad_() * 2
    assert t.grad_fn is not None
    assert_same_repr(t)


def test_grad_fn_replaces_requires_grad():
    text = format_tensor(np.array([1.0], np.float32), "float32", requires_grad=True,
                         grad_fn_name="AddBackward0")
    assert text == repr(torch.tensor([1.0], requires_grad=True) + 0)


def identity_function_named(name: str):
    """A custom autograd Function whose grad_fn prints as <{name}Backward>."""
    return type(name, (torch.autograd.Function,), {
        "forward": staticmethod(lambda ctx, x: x.clone()),
        "backward": staticmethod(lambda ctx, grad: grad),
    })


@pytest.mark.parametrize("name_length", [10, 30, 35, 36, 37, 40, 44, 45, 60])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("numel", [1, 5, 9, 10, 11, 20])
def test_long_grad_fn_suffix_wraps_like_torch(name_length, dtype, numel):
    function = identity_function_named("F" * name_length)
    x = torch.linspace(1, 2, numel, dtype=dtype, requires_grad=True)
    assert_same_repr(function.apply(x))


def test_float32_data_is_converted():
    # float64 data asked to print as float32 is rounded to float32 first, like torch.tensor.
    data = np.array([0.1, 1 / 3, 123456.7])
    assert format_tensor(data, "float32") == repr(torch.tensor(data, dtype=torch.float32))


def test_unknown_dtype_rejected():
    with pytest.raises(ValueError, match="unsupported dtype"):
        format_tensor(np.zeros(2), "complex64")


# ------------------------------------------------------------------ property test

SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12)
LARGE_SHAPES = st.one_of(
    st.tuples(st.integers(1001, 1500)),
    hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=60).filter(
        lambda shape: 1000 < math.prod(shape) <= 20_000),
)


def float_elements(width: int):
    return st.one_of(
        st.floats(width=width),
        st.floats(-20, 20, width=width),
        st.integers(-10**6, 10**6).map(float),
        st.sampled_from([0.0, -0.0, 0.1, 1 / 3, 1e8, 123456.7, 1e-5,
                         math.nan, math.inf, -math.inf]),
    )


ELEMENTS = {
    "float32": float_elements(32),
    "float64": float_elements(64),
    "int64": st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(-1000, 1000)),
    "bool": st.booleans(),
}


@st.composite
def tensors(draw):
    dtype_name = draw(st.sampled_from(sorted(NUMPY_DTYPES)))
    shape = draw(st.one_of(SMALL_SHAPES, SMALL_SHAPES, SMALL_SHAPES, LARGE_SHAPES))
    values = draw(hnp.arrays(NUMPY_DTYPES[dtype_name], shape, elements=ELEMENTS[dtype_name]))
    t = torch.from_numpy(values)
    if dtype_name in ("float32", "float64"):
        autograd = draw(st.sampled_from(["none", "leaf", "result"]))
        if autograd != "none":
            t.requires_grad_()
        if autograd == "result":
            t = t * 1
    return t


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tensors())
def test_matches_torch_on_random_tensors(t):
    assert_same_repr(t)
