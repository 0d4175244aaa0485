"""Tests of interpretable_nn.nn.logic: literals, logic layers, gradient grafting, the rule network."""

from __future__ import annotations

import itertools

import pytest
import torch

from interpretable_nn.nn.logic import (
    Binarizer,
    ConjunctionLayer,
    DisjunctionLayer,
    RuleNetwork,
    graft,
)


def _binarizer(learn: bool = True) -> Binarizer:
    # literals: z0 > 0, z0 > 1, z1 > -0.5 | z1 missing | code0 == 2, code0 == 0 (missing level)
    return Binarizer(
        thr_feature=[0, 0, 1], thr_init=[0.0, 1.0, -0.5], miss_feature=[1],
        cat_feature=[0, 0], cat_code=[2, 0], learn_thresholds=learn,
    )


def _rows():
    numeric = torch.tensor([[0.5, 0.0], [1.5, -1.0], [-1.0, 0.0]])
    missing = torch.tensor([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    codes = torch.tensor([[2], [0], [3]])
    return numeric, missing, codes


def test_graft_takes_the_value_of_hard_and_the_gradient_of_soft():
    s = torch.tensor([0.2, 0.7], requires_grad=True)
    out = graft(3 * s, torch.tensor([0.0, 1.0]))
    assert out.tolist() == [0.0, 1.0]
    out.sum().backward()
    assert s.grad.tolist() == [3.0, 3.0]


def test_binarizer_hard_literals_follow_the_encoding():
    soft, hard = _binarizer()(*_rows())
    expected = [
        [1, 0, 0, 1, 1, 0],  # z1 is missing: the threshold literal on it is false
        [1, 1, 0, 0, 0, 1],
        [0, 0, 1, 0, 0, 0],
    ]
    assert hard.tolist() == expected
    assert soft.tolist() == expected  # grafted: soft literals carry the hard values


def test_binarizer_thresholds_learn_only_when_asked():
    numeric, missing, codes = _rows()
    b = _binarizer(learn=True)
    soft, _ = b(numeric, missing, codes)
    soft.sum().backward()
    assert b.thresholds.grad is not None and b.thresholds.grad.abs().sum() > 0
    fixed = _binarizer(learn=False)
    assert not fixed.thresholds.requires_grad
    soft, hard = fixed(numeric, missing, codes, soft=True)
    assert torch.equal(soft, hard)
    assert fixed(numeric, missing, codes, soft=False)[0] is None


def _truth_table(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))


def test_conjunction_hard_output_is_the_and_of_selected_literals_and_negations():
    layer = ConjunctionLayer(n_in=3, n_nodes=2)
    with torch.no_grad():
        layer.theta[0, 0] = 2.0  # x0 AND NOT x2
        layer.theta[0, 3 + 2] = 2.0
        layer.theta[1, 1] = 2.0  # x1
    x = _truth_table(3)
    soft, hard = layer(x, x)
    assert hard[:, 0].tolist() == [float(a == 1 and c == 0) for a, _, c in x.tolist()]
    assert hard[:, 1].tolist() == x[:, 1].tolist()
    assert ((soft > 0) & (soft <= 1)).all()
    # the soft node is largest exactly where the hard node fires
    assert soft[hard[:, 0] == 1, 0].min() > soft[hard[:, 0] == 0, 0].max()


def test_conjunction_respects_max_inputs():
    layer = ConjunctionLayer(n_in=4, n_nodes=1, max_inputs=2)
    with torch.no_grad():
        layer.theta[0, :4] = torch.tensor([3.0, 1.0, 2.0, 0.5])
    assert layer.mask()[0, :4].tolist() == [True, False, True, False]
    assert int(layer.mask().sum()) == 2


def test_conjunction_with_no_selected_literal_always_fires():
    layer = ConjunctionLayer(n_in=2, n_nodes=1)
    x = _truth_table(2)
    assert layer(None, x)[1].flatten().tolist() == [1.0] * 4


def test_disjunction_hard_output_is_the_or():
    layer = DisjunctionLayer(n_in=2, n_nodes=1)
    with torch.no_grad():
        layer.theta[0, 0] = 1.0  # x0 OR NOT x1
        layer.theta[0, 2 + 1] = 1.0
    x = _truth_table(2)
    soft, hard = layer(x, x)
    assert hard.flatten().tolist() == [float(a == 1 or b == 0) for a, b in x.tolist()]
    assert ((soft >= 0) & (soft < 1)).all()


def test_logic_layer_rejects_a_bad_initialisation():
    with pytest.raises(ValueError, match="theta_init must have shape"):
        ConjunctionLayer(n_in=2, n_nodes=1, theta_init=torch.zeros(1, 2))


def _network() -> RuleNetwork:
    torch.manual_seed(0)
    b = _binarizer()
    theta = torch.full((3, 2 * b.n_literals), -3.0)
    theta[0, 0] = theta[1, 2] = theta[2, 1] = 0.5
    return RuleNetwork(b, n_rules=3, max_conditions=2, theta_init=theta, target_rules=2)


def test_network_value_is_the_hard_network_in_both_modes():
    net = _network()
    with torch.no_grad():
        net.head.weight.normal_()
    inputs = _rows()
    _, hard = net.features(*inputs, soft=False)
    expected = net.head(hard).reshape(-1)
    net.train()
    assert torch.allclose(net(*inputs), expected)
    net.eval()
    assert torch.allclose(net(*inputs), expected)


def test_network_gradients_reach_every_trainable_part():
    net = _network().train()
    with torch.no_grad():
        net.head.weight.fill_(0.5)
    out = net(*_rows())
    (out.sum() + net.regularization(out, _rows())).backward()
    for name in ("binarizer.thresholds", "conj.theta", "head.weight", "head.bias"):
        grad = dict(net.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_rule_penalty_is_steered_toward_the_target():
    net = _network()
    start = float(net.rule_penalty)
    with torch.no_grad():
        net.head.weight.fill_(1.0)  # 9 active outputs > target 2
    net.on_epoch_end(0)
    assert float(net.rule_penalty) > start
    with torch.no_grad():
        net.head.weight.zero_()
    net.on_epoch_end(1)
    net.on_epoch_end(2)
    assert float(net.rule_penalty) < start * 1.3
