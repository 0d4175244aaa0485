"""Prototype layers in the ProtoPNet line (Chen et al., 2019, "This Looks Like That: Deep
Learning for Interpretable Image Recognition").

A :class:`PrototypeNet` maps its input through an encoder to a set of latent *patches*
``z`` of shape (n, L, D) (``L = 1`` for an MLP on tabular rows, ``L = h * w`` for the
feature map of a CNN on images), measures the squared Euclidean distance of every patch
to every prototype ``p_j`` (D,), keeps the smallest distance per prototype
``d_ij = min_l ||z_il - p_j||^2`` and turns it into a similarity

* ``"log"`` (ProtoPNet): ``s = log((d + 1) / (d + eps))`` with ``eps = 1e-4``, large for
  near-identical patches and close to 0 for distant ones;
* ``"exp"``: ``s = exp(-d)``, in (0, 1].

A last linear layer maps the similarities to class logits; it starts *class-connected*
(weight 1 from a prototype to its own class, -0.5 to every other class) and may be
sparsified by an L1 penalty on the off-class weights. The cluster cost (mean distance of a
row to the nearest prototype of its own class) and the separation cost (mean distance to
the nearest prototype of another class) shape the latent space; both enter the training
loss through the engine's ``regularization`` hook. The class labels reach that hook as a
second module input that the forward pass ignores (``module(x, labels)``), so the one
training loop of :mod:`interpretable_nn.training.engine` needs nothing model-specific.

:func:`nearest_training_patches` does the projection ("push") step: for each prototype the
latent patch of a training case of its own class that is nearest to it.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .dropout import HostDropout

__all__ = [
    "MLPPatchEncoder",
    "ConvPatchEncoder",
    "PrototypeNet",
    "squared_distances",
    "similarity_from_distance",
    "conv_grid_shape",
    "nearest_training_patches",
]

EPS = 1e-4


def squared_distances(z: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """``||z_il - p_j||^2`` for patches ``z`` (n, L, D) and prototypes (P, D) -> (n, L, P)."""
    z2 = (z * z).sum(-1, keepdim=True)
    p2 = (prototypes * prototypes).sum(-1)
    return (z2 - 2.0 * z @ prototypes.T + p2).clamp_min(0.0)


def similarity_from_distance(d: torch.Tensor, kind: str) -> torch.Tensor:
    """``log((d + 1) / (d + 1e-4))`` (``kind="log"``) or ``exp(-d)`` (``kind="exp"``)."""
    if kind == "log":
        return torch.log((d + 1.0) / (d + EPS))
    if kind == "exp":
        return torch.exp(-d)
    raise ValueError(f"similarity must be 'log' or 'exp'; got {kind!r}.")


class MLPPatchEncoder(nn.Module):
    """Rows (n, d) (or images, flattened) -> one latent patch (n, 1, D) in [0, 1]^D:
    [Linear -> ReLU -> Dropout] x depth -> Linear -> Sigmoid (ProtoPNet's bounded add-on)."""

    def __init__(self, n_in: int, hidden: tuple[int, ...], latent_dim: int, dropout: float):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        d = n_in
        for h in hidden:
            layers.extend([nn.Linear(d, h), nn.ReLU(), HostDropout(dropout)])
            d = h
        layers.extend([nn.Linear(d, latent_dim), nn.Sigmoid()])
        self.net = nn.Sequential(*layers)
        self.grid_shape = (1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).unsqueeze(1)


def conv_grid_shape(image_hw: tuple[int, int], n_blocks: int) -> tuple[int, int]:
    """(h, w) of the latent grid of a :class:`ConvPatchEncoder` of ``n_blocks`` blocks on images
    of ``image_hw``: each block halves the map while its short side exceeds 4 pixels. The
    model reads it before the network exists (how many patches, hence distinct prototypes,
    a case can give)."""
    h, w = image_hw
    for _ in range(n_blocks):
        if min(h, w) > 4:
            h, w = h // 2, w // 2
    return h, w


class ConvPatchEncoder(nn.Module):
    """Images (n, C, H, W) -> latent patches (n, h * w, D) that keep the spatial layout.

    One block per entry of ``channels``: 3x3 convolution (padding 1) -> ReLU, followed by a
    2x2 max-pool while the feature map is larger than 4 pixels on its short side; then
    ProtoPNet's add-on, 1x1 conv -> ReLU -> 1x1 conv -> Sigmoid, to ``latent_dim`` channels.
    """

    def __init__(self, in_channels: int, image_hw: tuple[int, int], channels: tuple[int, ...],
                 latent_dim: int, dropout: float):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for i, out in enumerate(channels):
            layers.extend([nn.Conv2d(c, out, 3, padding=1), nn.ReLU()])
            if min(conv_grid_shape(image_hw, i)) > 4:  # the map this block convolves
                layers.append(nn.MaxPool2d(2))
            c = out
        layers.extend([
            nn.Dropout2d(dropout),
            nn.Conv2d(c, latent_dim, 1), nn.ReLU(),
            nn.Conv2d(latent_dim, latent_dim, 1), nn.Sigmoid(),
        ])
        self.net = nn.Sequential(*layers)
        self.grid_shape = conv_grid_shape(image_hw, len(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.net(x)
        return z.flatten(2).transpose(1, 2)


class PrototypeNet(nn.Module):
    """Encoder -> prototype similarities -> class-connected last layer.

    Parameters
    ----------
    encoder : nn.Module
        Maps the input to latent patches (n, L, D) in [0, 1]^D; has ``grid_shape``.
    prototype_class : LongTensor of shape (P,)
        The class of each prototype.
    n_classes : int
        Number of classes ``k``; with ``k == 2`` the output is the log-odds
        ``logit_1 - logit_0`` of shape (n,), else logits (n, k).
    latent_dim : int
    similarity : {"log", "exp"}
    cluster_coef, separation_coef, l1_coef : float
        Weights of the cluster cost, the separation cost (subtracted) and the L1 penalty on
        the last layer's off-class weights.
    """

    def __init__(self, encoder: nn.Module, prototype_class: torch.Tensor, n_classes: int,
                 latent_dim: int, similarity: str = "log", cluster_coef: float = 0.8,
                 separation_coef: float = 0.08, l1_coef: float = 1e-4):
        super().__init__()
        n_protos = int(prototype_class.numel())
        self.encoder = encoder
        self.similarity = similarity
        self.n_classes = int(n_classes)
        self.cluster_coef, self.separation_coef, self.l1_coef = cluster_coef, separation_coef, l1_coef
        self.prototypes = nn.Parameter(torch.rand(n_protos, latent_dim))
        self.register_buffer("prototype_class", prototype_class.long().clone())
        identity = nn.functional.one_hot(self.prototype_class, self.n_classes).T.float()
        self.register_buffer("class_identity", identity)  # (k, P)
        self.last_layer = nn.Linear(n_protos, self.n_classes)
        with torch.no_grad():
            self.last_layer.weight.copy_(identity - 0.5 * (1.0 - identity))
            self.last_layer.bias.zero_()
        # the state before projection, kept to measure what projection costs
        self.register_buffer("unprojected_prototypes", torch.zeros(n_protos, latent_dim))
        self.register_buffer("unprojected_weight", torch.zeros(self.n_classes, n_protos))
        self.register_buffer("unprojected_bias", torch.zeros(self.n_classes))
        self.encoder_frozen = False
        self.tied_inputs: torch.Tensor | None = None
        self.tied_patch: torch.Tensor | None = None
        self._min_dist: torch.Tensor | None = None

    # ------------------------------------------------------------------ forward
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent patches (n, L, D)."""
        return self.encoder(x)

    def current_prototypes(self) -> torch.Tensor:
        """The prototype vectors (P, D): the parameter, or while tied (:meth:`tie`) the
        current encodings of the tied training cases."""
        if self.tied_inputs is None:
            return self.prototypes
        z = self.encode(self.tied_inputs.to(self.prototypes.device))
        return z[torch.arange(z.shape[0], device=z.device), self.tied_patch.to(z.device)]

    def min_distances(self, z: torch.Tensor, prototypes: torch.Tensor | None = None) -> torch.Tensor:
        """Smallest squared distance of each row's patches to each prototype (n, P)."""
        p = self.current_prototypes() if prototypes is None else prototypes
        return squared_distances(z, p).amin(dim=1)

    def similarities(self, x: torch.Tensor) -> torch.Tensor:
        """Prototype similarities (n, P) of inputs ``x``."""
        return similarity_from_distance(self.min_distances(self.encode(x)), self.similarity)

    def _to_output(self, logits: torch.Tensor) -> torch.Tensor:
        return logits[:, 1] - logits[:, 0] if self.n_classes == 2 else logits

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Log-odds (n,) for two classes, logits (n, k) otherwise. ``labels`` is ignored
        here; it is read by :meth:`regularization` during training."""
        d = self.min_distances(self.encode(x))
        self._min_dist = d if self.training else None
        return self._to_output(self.last_layer(similarity_from_distance(d, self.similarity)))

    def unprojected_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The output with the prototypes and last layer saved before projection."""
        d = self.min_distances(self.encode(x), self.unprojected_prototypes)
        s = similarity_from_distance(d, self.similarity)
        return self._to_output(s @ self.unprojected_weight.T + self.unprojected_bias)

    def similarity_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Similarity of every latent patch to every prototype, (n, P, h, w)."""
        s = similarity_from_distance(squared_distances(self.encode(x), self.prototypes), self.similarity)
        h, w = self.encoder.grid_shape
        return s.transpose(1, 2).reshape(s.shape[0], -1, h, w)

    # ------------------------------------------------------------------ training hooks
    def off_class_l1(self) -> torch.Tensor:
        return (self.last_layer.weight * (1.0 - self.class_identity)).abs().sum()

    def regularization(self, outputs: torch.Tensor, batch: list[torch.Tensor]) -> torch.Tensor:
        """Cluster cost - separation cost (when the batch carries labels and the encoder is
        trained) + L1 on the last layer's off-class weights."""
        loss = self.l1_coef * self.off_class_l1()
        if self.encoder_frozen or len(batch) < 2 or self._min_dist is None:
            return loss
        own = self.class_identity[batch[1].long()].bool()  # (n, P): prototypes of the row's class
        d = self._min_dist.float()
        big = torch.finfo(d.dtype).max
        cluster = d.masked_fill(~own, big).amin(dim=1).mean()
        separation = d.masked_fill(own, big).amin(dim=1).mean()
        return loss + self.cluster_coef * cluster - self.separation_coef * separation

    def freeze_encoder(self, frozen: bool = True) -> None:
        """Freeze the encoder and prototypes (last-layer fine-tuning): they keep eval mode
        (no dropout noise) and the cluster/separation costs are skipped."""
        self.encoder_frozen = frozen
        self.prototypes.requires_grad_(not frozen)
        for p in self.encoder.parameters():
            p.requires_grad_(not frozen)
        self.train(self.training)

    def train(self, mode: bool = True) -> PrototypeNet:
        super().train(mode)
        if self.encoder_frozen:
            self.encoder.eval()
        return self

    def tie(self, inputs: torch.Tensor, patch: torch.Tensor) -> None:
        """Tie prototype ``j`` to training case ``inputs[j]`` (latent patch ``patch[j]``): while
        tied, the prototype *is* that case's current encoding and follows the encoder, so the
        encoder can be tuned after projection without the prototypes leaving real cases."""
        self.tied_inputs, self.tied_patch = inputs, patch.long()
        self.prototypes.requires_grad_(False)

    @torch.no_grad()
    def untie(self) -> None:
        """Store the tied cases' encodings (eval mode) as the prototype vectors."""
        mode = self.training
        self.eval()
        self.prototypes.copy_(self.current_prototypes())
        self.tied_inputs = self.tied_patch = None
        self.prototypes.requires_grad_(True)
        self.train(mode)

    def save_unprojected(self) -> None:
        with torch.no_grad():
            self.unprojected_prototypes.copy_(self.prototypes)
            self.unprojected_weight.copy_(self.last_layer.weight)
            self.unprojected_bias.copy_(self.last_layer.bias)


@torch.no_grad()
def nearest_training_patches(
    net: PrototypeNet, x: torch.Tensor, y: torch.Tensor, chunk: int = 4096, distinct: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For each prototype, the nearest latent patch of a training case of its own class.

    Every row of ``x`` is a candidate: to keep rows out (weight zero), pass the others and
    map the returned positions back.

    Distances are computed in chunks of rows (memory ``chunk * L * P``). With ``distinct``
    two prototypes never take the same (case, patch); they are assigned in order of
    their best distance.

    Returns
    -------
    row : LongTensor (P,)  -- the training case (position in ``x``)
    patch : LongTensor (P,)  -- the patch index in [0, L)
    latent : Tensor (P, D)  -- that patch's encoding (the new prototype)
    """
    net.eval()
    protos = net.prototypes.detach()
    pclass = net.prototype_class
    n_p = protos.shape[0]
    dists, latents = [], []
    for s in range(0, x.shape[0], chunk):
        z = net.encode(x[s : s + chunk]).float()
        d = squared_distances(z, protos)  # (m, L, P)
        wrong = pclass.view(1, 1, -1) != y[s : s + chunk].view(-1, 1, 1)
        dists.append(d.masked_fill(wrong, math.inf))
        latents.append(z)
    d = torch.cat(dists).reshape(-1, n_p)  # (n * L, P)
    z = torch.cat(latents)
    n_patches = z.shape[1]
    z = z.reshape(-1, z.shape[-1])
    flat = torch.empty(n_p, dtype=torch.long)
    if distinct:
        order = torch.argsort(d.amin(dim=0))
        taken = torch.zeros(d.shape[0], dtype=torch.bool)
        for j in order.tolist():  # a loop over prototypes (tens), not over rows
            col = d[:, j].masked_fill(taken, math.inf)
            if not torch.isfinite(col).any():  # fewer cases than prototypes: allow a repeat
                col = d[:, j]
            flat[j] = torch.argmin(col)
            taken[flat[j]] = True
    else:
        flat = torch.argmin(d, dim=0)
    return flat // n_patches, flat % n_patches, z[flat].clone()
