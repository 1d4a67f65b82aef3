"""Label checks, label encoders and conditional batch norm."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gankit.models import ConditionalBatchNorm2d, LabelEncoder, check_condition


def test_check_condition_accepts_valid_labels() -> None:
    check_condition("Net", 0, 0, None, 4)
    check_condition("Net", 3, 0, torch.tensor([0, 1, 2, 2]), 4)
    check_condition("Net", 0, 5, torch.randint(0, 2, (4, 5)), 4)
    check_condition("Net", 0, 5, torch.rand(4, 5, dtype=torch.float64), 4)
    check_condition("Net", 0, 5, torch.ones(4, 5, dtype=torch.bool), 4)
    check_condition("Net", 0, 5, torch.tensor([0, 4, 1, 1]), 4)  # one-hot style indices


@pytest.mark.parametrize(
    ("classes", "attributes", "labels", "error", "message"),
    [
        (0, 0, torch.zeros(2, dtype=torch.long), ValueError, "unconditional"),
        (3, 0, None, ValueError, r"conditional \(num_classes=3\): pass labels"),
        (0, 4, None, ValueError, r"num_attributes=4\): pass labels, attribute vectors"),
        (3, 0, [0, 1], TypeError, "torch.Tensor, got list"),
        (3, 0, torch.zeros(2, 1, dtype=torch.long), ValueError, r"shape \(2,\), got shape"),
        (3, 0, torch.zeros(3, dtype=torch.long), ValueError, r"got shape \(3,\)"),
        (3, 0, torch.zeros(2), TypeError, "integer class labels, got dtype torch.float32"),
        (3, 0, torch.zeros(2, dtype=torch.bool), TypeError, "torch.bool"),
        (3, 0, torch.tensor([1, 7]), ValueError, r"\[0, 3\), got values in \[1, 7\]"),
        (0, 4, torch.zeros(2, 3), ValueError, r"\(2, 4\), got shape \(2, 3\)"),
        (0, 4, torch.full((2, 4), 2.0), ValueError, r"in \[0, 1\].*\[2.0, 2.0\]"),
        (0, 4, torch.tensor([[0, -1, 0, 0], [0] * 4]), ValueError, r"\[-1, 0\]"),
        (0, 4, torch.tensor([0, 4]), ValueError, r"class indices in \[0, 4\)"),
    ],
)
def test_check_condition_errors(
    classes: int,
    attributes: int,
    labels: object,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        check_condition("Net", classes, attributes, labels, 2)  # type: ignore[arg-type]


def test_label_encoder_of_attributes_is_linear() -> None:
    enc = LabelEncoder(6, num_attributes=4).double()
    a = torch.tensor([[1, 0, 1, 0]])
    b = torch.tensor([[0, 1, 0, 0]])
    torch.testing.assert_close(enc(a + b), enc(a) + enc(b))
    torch.testing.assert_close(enc(torch.tensor([2])), enc(F.one_hot(torch.tensor([2]), 4)))
    assert torch.equal(enc(torch.zeros(1, 4)), torch.zeros(1, 6, dtype=torch.float64))


def test_label_encoder_of_classes_is_a_lookup() -> None:
    enc = LabelEncoder(3, num_classes=5)
    assert torch.equal(enc(torch.tensor([4, 0])), enc.embed.weight[[4, 0]])
    for kwargs in ({}, {"num_classes": 2, "num_attributes": 2}):
        with pytest.raises(ValueError, match="exactly one of num_classes and num_attributes"):
            LabelEncoder(3, **kwargs)


def test_per_class_batch_norm_applies_each_class_gain_and_bias() -> None:
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(4, num_classes=3).double()
    x = torch.randn(6, 4, 3, 3, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    plain = nn.BatchNorm2d(4, affine=False).double()
    torch.testing.assert_close(cbn(x, y), plain(x))  # gains start at 1, biases at 0
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.randn(3, 4))
        cbn.bias.weight.copy_(torch.randn(3, 4))
    out = cbn(x, y)
    normalized = plain(x)
    for i, k in enumerate(y.tolist()):
        expected = (
            normalized[i] * cbn.gain.weight[k][:, None, None] + cbn.bias.weight[k][:, None, None]
        )
        torch.testing.assert_close(out[i], expected)
    torch.testing.assert_close(cbn.bn.running_mean, plain.running_mean)


def test_shared_embedding_batch_norm_is_affine_in_the_embedding() -> None:
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(4, embedding_dim=5).double()
    x = torch.randn(3, 4, 2, 2, dtype=torch.float64)
    e = torch.randn(3, 5, dtype=torch.float64)
    plain = nn.BatchNorm2d(4, affine=False).double()
    torch.testing.assert_close(cbn(x, e), plain(x))  # starts unconditional
    with torch.no_grad():
        cbn.gain.weight.normal_()
        cbn.bias.weight.normal_()
    gain = 1 + e @ cbn.gain.weight.T
    bias = e @ cbn.bias.weight.T
    expected = plain(x) * gain[:, :, None, None] + bias[:, :, None, None]
    torch.testing.assert_close(cbn(x, e), expected)
    with pytest.raises(ValueError, match="exactly one of num_classes and embedding_dim"):
        ConditionalBatchNorm2d(4)


def test_sync_batch_norm_conversion_finds_the_statistics() -> None:
    net = nn.ModuleList(
        [ConditionalBatchNorm2d(4, num_classes=2), ConditionalBatchNorm2d(4, embedding_dim=3)]
    )
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)  # type: ignore[no-untyped-call]
    assert all(isinstance(m.bn, nn.SyncBatchNorm) for m in converted)
