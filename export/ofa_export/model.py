"""OFA in PyTorch, built from an HF-layout ``config.json``, shaped for ONNX export.

The parameter names are those of the published HuggingFace checkpoints (``encoder.layers.0.self_attn.q_proj.weight``
and so on), so a state dict loads as is. Everything that depends only on geometry (relative-position buckets,
image position ids, causal masks) is computed from tensor shapes inside ``forward``, never with Python branches on
data, so one traced graph serves every batch size, prompt length, resolution and decode step.

Three entry points are exported (see ``export.py``):

    enc = model.encoder(patch_images, input_ids)            # states, padding mask, position embedding
    cross = model.decoder.cross_kv(enc.states, enc.position)  # per-layer cross K/V + cross position keys, once
    logits, present = model.decoder(input_ids, past, cross, enc.padding_mask)   # one or more steps

and two for writing image codes (text-to-image, image infilling):

    enc = model.encoder.forward_text(input_ids)             # no image: the text-to-image prompt alone
    logits, present = model.decoder.forward_codes(input_ids, past, order, cross, mask, grid_width)  # + pos keys
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .config import OfaConfig

RESNET_BLOCKS = {"resnet50": (3, 4, 6), "resnet101": (3, 4, 23), "resnet152": (3, 8, 36)}
RESNET_OUT_CHANNELS = 1024
PATCH_STRIDE = 16


# ---------------------------------------------------------------------------------------------------------------
# Geometry: relative-position buckets (pure functions of positions, exact integer/float32 arithmetic)
# ---------------------------------------------------------------------------------------------------------------

def token_bucket_table(bucket_size: int, max_position: int) -> Tensor:
    """Bucket index of every relative distance r = i - j in [-(max_position-1), max_position-1].

    Entry ``r + max_position - 1`` holds the row of the token relative-position table used for distance r:
    r itself inside the window |r| <= bucket_size/2, a log-spaced bucket outside it, shifted by bucket_size-1.
    The float32 log/ceil are evaluated exactly as OFA does, once, here; graphs only gather from this table.
    """
    mid = bucket_size // 2
    rel = torch.arange(-(max_position - 1), max_position, dtype=torch.long)
    sign = torch.sign(rel)
    abs_pos = torch.where((rel < mid) & (rel > -mid), torch.full_like(rel, mid - 1), rel.abs())
    log_pos = torch.ceil(torch.log(abs_pos / mid) / math.log((max_position - 1) / mid) * (mid - 1)) + mid
    bucket = torch.where(abs_pos.le(mid), rel, log_pos.int().long() * sign)
    return bucket + bucket_size - 1


def image_rel_index(rows: Tensor, cols: Tensor, bucket_size: int) -> Tensor:
    """Index into the 2D image relative table for every pair of patches: (dh + B-1) * (2B-1) + (dw + B-1)."""
    dh = rows[:, None] - rows[None, :]
    dw = cols[:, None] - cols[None, :]
    return (dh + bucket_size - 1) * (2 * bucket_size - 1) + (dw + bucket_size - 1)


def reference_image_bucket(bucket_size: int) -> Tensor:
    """The reference's full image bucket buffer, (B*B+1)^2, used only to check checkpoints that carry it."""
    n = bucket_size * bucket_size
    coords = torch.arange(n)
    rows, cols = coords // bucket_size, coords % bucket_size
    num_rel = (2 * bucket_size - 1) ** 2 + 3
    out = torch.zeros((n + 1, n + 1), dtype=torch.long)
    out[1:, 1:] = image_rel_index(rows, cols, bucket_size)
    out[0, 0:] = num_rel - 3
    out[0:, 0] = num_rel - 2
    out[0, 0] = num_rel - 1
    return out


def reference_token_bucket(bucket_size: int, max_position: int) -> Tensor:
    """The reference's full token bucket buffer [max_position, max_position]."""
    table = token_bucket_table(bucket_size, max_position)
    i = torch.arange(max_position)
    return table[i[:, None] - i[None, :] + max_position - 1]


BEYOND_GRID_POSITION = 1024   # the reference pads its decoder image-position table with this id, whatever the bucket


def code_position_ids(total_len: int, grid_width: Tensor, bucket_size: int, device=None) -> Tensor:
    """Image-position ids of decoder positions 0..total_len-1 when the decoder writes image codes (the reference's
    ``image_position_idx`` for ``code_image_size = 8 * grid_width``): 0 at bos, then the grid_width x grid_width
    code grid row-major as ``row * bucket + col + 1``, then 1024. ``grid_width`` is a tensor (a graph input)."""
    p = torch.arange(total_len, device=device)
    w = grid_width.reshape(())
    q = p - 1
    row = torch.div(q, w, rounding_mode="floor")
    ids = row * bucket_size + (q - row * w) + 1
    ids = torch.where(p > w * w, torch.full_like(ids, BEYOND_GRID_POSITION), ids)
    return torch.where(p == 0, torch.zeros_like(ids), ids)


def code_rel_index(query_ids: Tensor, key_ids: Tensor, bucket_size: int) -> Tensor:
    """Row of the 2D relative table for each (query, key) pair of image-position ids: the reference's
    ``image_rp_bucket[q][:, k]`` computed instead of gathered (the buffer is (B*B+1)^2 int64)."""
    num_rel = (2 * bucket_size - 1) ** 2 + 3
    rq, cq = torch.div(query_ids - 1, bucket_size, rounding_mode="floor"), torch.remainder(query_ids - 1, bucket_size)
    rk, ck = torch.div(key_ids - 1, bucket_size, rounding_mode="floor"), torch.remainder(key_ids - 1, bucket_size)
    idx = (rq[:, None] - rk[None, :] + bucket_size - 1) * (2 * bucket_size - 1) + (cq[:, None] - ck[None, :]
                                                                                   + bucket_size - 1)
    q0, k0 = (query_ids == 0)[:, None], (key_ids == 0)[None, :]
    idx = torch.where(k0, torch.full_like(idx, num_rel - 2), idx)
    idx = torch.where(q0, torch.full_like(idx, num_rel - 3), idx)
    return torch.where(q0 & k0, torch.full_like(idx, num_rel - 1), idx)


# ---------------------------------------------------------------------------------------------------------------
# Image stem: ResNet v1.5 stages 1-3
# ---------------------------------------------------------------------------------------------------------------

class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int, downsample: bool, device=None):
        super().__init__()
        kw = dict(bias=False, device=device)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, **kw)
        self.bn1 = nn.BatchNorm2d(planes, device=device)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, **kw)  # v1.5: stride on the 3x3
        self.bn2 = nn.BatchNorm2d(planes, device=device)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, **kw)
        self.bn3 = nn.BatchNorm2d(planes * 4, device=device)
        self.downsample = (nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride=stride, **kw),
                                         nn.BatchNorm2d(planes * 4, device=device)) if downsample else None)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return F.relu(identity + out)


class ResNetStem(nn.Module):
    def __init__(self, blocks: Sequence[int], device=None):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False, device=device)
        self.bn1 = nn.BatchNorm2d(64, device=device)
        inplanes = 64
        for idx, (planes, count, stride) in enumerate(zip((64, 128, 256), blocks, (1, 2, 2)), start=1):
            layers = []
            for b in range(count):
                first = b == 0
                layers.append(Bottleneck(inplanes, planes, stride if first else 1,
                                         downsample=first and (stride != 1 or inplanes != planes * 4), device=device))
                inplanes = planes * 4
            setattr(self, f"layer{idx}", nn.Sequential(*layers))

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2, padding=1)
        return self.layer3(self.layer2(self.layer1(x)))


# ---------------------------------------------------------------------------------------------------------------
# Attention and layers
# ---------------------------------------------------------------------------------------------------------------

def split_heads(x: Tensor, heads: int) -> Tensor:
    b, t, d = x.shape
    return x.view(b, t, heads, d // heads).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    b, h, t, hd = x.shape
    return x.transpose(1, 2).reshape(b, t, h * hd)


class Attention(nn.Module):
    """Multi-head attention with additive biases and NormFormer's learned per-head output scale ``c_attn``."""

    def __init__(self, dim: int, heads: int, scale_heads: bool, device=None):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scaling = float(self.head_dim * 2) ** -0.5  # OFA hard-codes the factor 2 here
        self.q_proj = nn.Linear(dim, dim, device=device)
        self.k_proj = nn.Linear(dim, dim, device=device)
        self.v_proj = nn.Linear(dim, dim, device=device)
        self.out_proj = nn.Linear(dim, dim, device=device)
        self.c_attn = nn.Parameter(torch.ones(heads, device=device)) if scale_heads else None
        self.record: Optional[List[Tensor]] = None   # a list here collects the attention weights (training aids)

    def keys_values(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        return split_heads(self.k_proj(x), self.heads), split_heads(self.v_proj(x), self.heads)

    def attend(self, x: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> Tensor:
        q = split_heads(self.q_proj(x) * self.scaling, self.heads)
        weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)) + bias, dim=-1)
        return self._finish(torch.matmul(weights, v))  # [B, H, T, hd]

    def attend_grouped(self, x: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> Tensor:
        """Rows of x come in equal groups per sentence (beams, candidates): x [G*n, T, d] attends k/v [G, H, S, hd]
        of its group, bias [G, H, T, S]; the keys are never copied per row."""
        groups, heads, src, hd = k.shape
        rows, tgt = x.shape[0], x.shape[1]
        per = rows // groups
        q = split_heads(self.q_proj(x) * self.scaling, self.heads)                     # [R, H, T, hd]
        q = q.reshape(groups, per, heads, tgt, hd).permute(0, 2, 1, 3, 4).reshape(groups, heads, per * tgt, hd)
        b = bias.unsqueeze(2).expand(groups, heads, per, tgt, src).reshape(groups, heads, per * tgt, src)
        weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)) + b, dim=-1)
        if self.record is not None:
            self.record.append(weights)   # [G, H, per*T, S]
        out = torch.matmul(weights, v).reshape(groups, heads, per, tgt, hd).permute(0, 2, 1, 3, 4)
        return self._finish(out.reshape(rows, heads, tgt, hd))

    def _finish(self, out: Tensor) -> Tensor:
        if self.c_attn is not None:
            out = out * self.c_attn.view(1, -1, 1, 1)
        return self.out_proj(merge_heads(out))


def _layer_norm(dim: int, enabled: bool, device=None) -> Optional[nn.LayerNorm]:
    return nn.LayerNorm(dim, eps=1e-5, device=device) if enabled else None


def _apply(norm: Optional[nn.Module], x: Tensor) -> Tensor:
    return norm(x) if norm is not None else x


class EncoderLayer(nn.Module):
    def __init__(self, cfg: OfaConfig, device=None):
        super().__init__()
        d = cfg.d_model
        self.pre_norm = cfg.encoder_normalize_before
        self.self_attn = Attention(d, cfg.encoder_attention_heads, cfg.normformer, device)
        self.self_attn_layer_norm = nn.LayerNorm(d, device=device)
        self.self_attn_mid_layer_norm = _layer_norm(d, cfg.normformer, device)
        self.fc1 = nn.Linear(d, cfg.encoder_ffn_dim, device=device)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, d, device=device)
        self.ffn_layer_norm = _layer_norm(cfg.encoder_ffn_dim, cfg.normformer, device)
        self.final_layer_norm = nn.LayerNorm(d, device=device)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        h = self.self_attn_layer_norm(x) if self.pre_norm else x
        k, v = self.self_attn.keys_values(h)
        x = x + _apply(self.self_attn_mid_layer_norm, self.self_attn.attend(h, k, v, bias))
        if not self.pre_norm:
            x = self.self_attn_layer_norm(x)
        return ffn_block(self, x)


def ffn_block(layer: nn.Module, x: Tensor) -> Tensor:
    """NormFormer FFN: fc1 -> GELU (erf) -> [ffn_layer_norm] -> fc2, with the layer's pre/post LayerNorm."""
    h = layer.final_layer_norm(x) if layer.pre_norm else x
    h = layer.fc2(_apply(layer.ffn_layer_norm, F.gelu(layer.fc1(h))))
    x = x + h
    return x if layer.pre_norm else layer.final_layer_norm(x)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: OfaConfig, device=None):
        super().__init__()
        d = cfg.d_model
        self.pre_norm = cfg.decoder_normalize_before
        self.self_attn = Attention(d, cfg.decoder_attention_heads, cfg.normformer, device)
        self.self_attn_layer_norm = nn.LayerNorm(d, device=device)
        self.self_attn_mid_layer_norm = _layer_norm(d, cfg.normformer, device)
        self.cross_attn = Attention(d, cfg.decoder_attention_heads, cfg.normformer, device)
        self.cross_attn_layer_norm = nn.LayerNorm(d, device=device)
        self.cross_attn_mid_layer_norm = _layer_norm(d, cfg.normformer, device)
        self.fc1 = nn.Linear(d, cfg.decoder_ffn_dim, device=device)
        self.fc2 = nn.Linear(cfg.decoder_ffn_dim, d, device=device)
        self.ffn_layer_norm = _layer_norm(cfg.decoder_ffn_dim, cfg.normformer, device)
        self.final_layer_norm = nn.LayerNorm(d, device=device)

    def forward(self, x: Tensor, past_k: Tensor, past_v: Tensor, cross_k: Tensor, cross_v: Tensor,
                self_bias: Tensor, cross_bias: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        h = self.self_attn_layer_norm(x) if self.pre_norm else x
        k_new, v_new = self.self_attn.keys_values(h)
        k = torch.cat([past_k, k_new], dim=2)
        v = torch.cat([past_v, v_new], dim=2)
        x = x + _apply(self.self_attn_mid_layer_norm, self.self_attn.attend(h, k, v, self_bias))
        if not self.pre_norm:
            x = self.self_attn_layer_norm(x)
        h = self.cross_attn_layer_norm(x) if self.pre_norm else x
        x = x + _apply(self.cross_attn_mid_layer_norm, self.cross_attn.attend_grouped(h, cross_k, cross_v, cross_bias))
        if not self.pre_norm:
            x = self.cross_attn_layer_norm(x)
        return ffn_block(self, x), k, v


# ---------------------------------------------------------------------------------------------------------------
# Encoder and decoder
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class EncoderOutput:
    states: Tensor            # [B, N+L, d]
    padding_mask: Tensor      # [B, N+L] bool, True at text padding
    position: Tensor          # [B, N+L, d], LayerNorm'ed absolute position embeddings (image then text)


def key_padding_bias(padding_mask: Tensor, dtype: torch.dtype) -> Tensor:
    """[B, S] bool -> [B, 1, 1, S] additive bias: 0 where attended, the dtype's most negative value at padding."""
    return padding_mask[:, None, None, :].to(dtype) * torch.finfo(dtype).min


def position_bias(q_lin: nn.Linear, k_lin: nn.Linear, q_pos: Tensor, k_pos: Tensor, heads: int, scale: float) -> Tensor:
    """Decoupled absolute-position attention bias per head: (q_lin(Pq) * s) . k_lin(Pk)^T -> [B, H, Tq, Tk]."""
    q = split_heads(q_lin(q_pos), heads) * scale
    return torch.matmul(q, split_heads(k_lin(k_pos), heads).transpose(2, 3))


class Encoder(nn.Module):
    def __init__(self, cfg: OfaConfig, embed_tokens: nn.Embedding, device=None):
        super().__init__()
        d, heads = cfg.d_model, cfg.encoder_attention_heads
        self.cfg = cfg
        self.heads = heads
        self.embed_tokens = embed_tokens
        self.embed_scale = math.sqrt(d) if cfg.scale_embedding else 1.0
        self.type_embedding = nn.Embedding(2, d, device=device) if cfg.add_type_embedding else None
        self.embed_images = ResNetStem(RESNET_BLOCKS[cfg.resnet_type], device)
        self.image_proj = nn.Linear(RESNET_OUT_CHANNELS, d, device=device)
        self.patch_layernorm_embedding = _layer_norm(d, cfg.patch_layernorm_embedding, device)
        self.layernorm_embedding = _layer_norm(d, cfg.layernorm_embedding, device)
        self.embed_positions = nn.Embedding(cfg.max_position_embeddings + 2, d, device=device)
        self.embed_image_positions = nn.Embedding(cfg.image_bucket_size ** 2 + 1, d, device=device)
        self.pos_ln = nn.LayerNorm(d, device=device)
        self.image_pos_ln = nn.LayerNorm(d, device=device)
        self.pos_scaling = float(d / heads * cfg.attn_scale_factor) ** -0.5
        self.pos_q_linear = nn.Linear(d, d, device=device)
        self.pos_k_linear = nn.Linear(d, d, device=device)
        self.layers = nn.ModuleList([EncoderLayer(cfg, device) for _ in range(cfg.encoder_layers)])
        self.layer_norm = _layer_norm(d, cfg.encoder_normalize_before, device)
        self.token_rel_pos_table_list = nn.ModuleList(
            [nn.Embedding(2 * cfg.token_bucket_size - 1, heads, device=device) for _ in range(cfg.encoder_layers)])
        self.image_rel_pos_table_list = nn.ModuleList(
            [nn.Embedding(cfg.image_rel_table_rows, heads, device=device) for _ in range(cfg.encoder_layers)])
        self.register_buffer("token_bucket", token_bucket_table(cfg.token_bucket_size, cfg.max_position_embeddings),
                             persistent=False)

    def image_features(self, patch_images: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """ResNet grid -> (patch features [B,N,1024], grid rows [N], grid cols [N]) in row-major order."""
        grid = self.embed_images(patch_images)
        h, w = grid.shape[-2], grid.shape[-1]
        rows = torch.arange(h, device=grid.device).unsqueeze(1).expand(h, w).reshape(-1)
        cols = torch.arange(w, device=grid.device).unsqueeze(0).expand(h, w).reshape(-1)
        return grid.flatten(2).transpose(1, 2), rows, cols

    def forward(self, patch_images: Tensor, input_ids: Tensor) -> EncoderOutput:
        cfg = self.cfg
        bsz, text_len = input_ids.shape
        feats, rows, cols = self.image_features(patch_images)
        num_patches = feats.shape[1]

        text = self.embed_scale * self.embed_tokens(input_ids)
        img = self.embed_scale * self.image_proj(feats)
        if self.type_embedding is not None:
            text = text + self.type_embedding.weight[0]
            img = img + self.type_embedding.weight[1]
        text = _apply(self.layernorm_embedding, text)
        img = _apply(self.patch_layernorm_embedding, img)
        x = torch.cat([img, text], dim=1)

        text_pad = input_ids.eq(cfg.pad_token_id)
        padding_mask = torch.cat([torch.zeros(bsz, num_patches, dtype=torch.bool, device=x.device), text_pad], dim=1)
        x = x * (1 - padding_mask.unsqueeze(-1).to(x.dtype))

        text_positions = torch.arange(text_len, device=x.device)
        image_position_ids = rows * cfg.image_bucket_size + cols + 1
        pos = torch.cat([self.image_pos_ln(self.embed_image_positions(image_position_ids)),
                         self.pos_ln(self.embed_positions(text_positions))], dim=0)
        pos = pos.unsqueeze(0).expand(bsz, -1, -1)
        abs_bias = position_bias(self.pos_q_linear, self.pos_k_linear, pos, pos, self.heads, self.pos_scaling)

        rel_text = self.token_bucket[text_positions[:, None] - text_positions[None, :] + cfg.max_position_embeddings - 1]
        rel_image = image_rel_index(rows, cols, cfg.image_bucket_size)
        mask_bias = key_padding_bias(padding_mask, x.dtype)
        for idx, layer in enumerate(self.layers):
            img_bias = self.image_rel_pos_table_list[idx](rel_image).permute(2, 0, 1)   # [H, N, N]
            txt_bias = self.token_rel_pos_table_list[idx](rel_text).permute(2, 0, 1)    # [H, L, L]
            rel = torch.cat([
                torch.cat([img_bias, img_bias.new_zeros(self.heads, num_patches, text_len)], dim=2),
                torch.cat([txt_bias.new_zeros(self.heads, text_len, num_patches), txt_bias], dim=2)], dim=1)
            x = layer(x, abs_bias + rel.unsqueeze(0) + mask_bias)
        x = _apply(self.layer_norm, x)
        return EncoderOutput(x, padding_mask, pos)


    def forward_text(self, input_ids: Tensor) -> EncoderOutput:
        """The encoder without an image (text-to-image: the reference passes no ``patch_images``): text tokens only,
        their absolute positions and 1D relative biases."""
        cfg = self.cfg
        text = self.embed_scale * self.embed_tokens(input_ids)
        if self.type_embedding is not None:
            text = text + self.type_embedding.weight[0]
        x = _apply(self.layernorm_embedding, text)
        padding_mask = input_ids.eq(cfg.pad_token_id)
        x = x * (1 - padding_mask.unsqueeze(-1).to(x.dtype))
        positions = torch.arange(input_ids.shape[1], device=x.device)
        pos = self.pos_ln(self.embed_positions(positions)).unsqueeze(0).expand(input_ids.shape[0], -1, -1)
        abs_bias = position_bias(self.pos_q_linear, self.pos_k_linear, pos, pos, self.heads, self.pos_scaling)
        rel_text = self.token_bucket[positions[:, None] - positions[None, :] + cfg.max_position_embeddings - 1]
        mask_bias = key_padding_bias(padding_mask, x.dtype)
        for idx, layer in enumerate(self.layers):
            rel = self.token_rel_pos_table_list[idx](rel_text).permute(2, 0, 1)
            x = layer(x, abs_bias + rel.unsqueeze(0) + mask_bias)
        x = _apply(self.layer_norm, x)
        return EncoderOutput(x, padding_mask, pos)


class Decoder(nn.Module):
    def __init__(self, cfg: OfaConfig, embed_tokens: nn.Embedding, device=None):
        super().__init__()
        d, heads = cfg.d_model, cfg.decoder_attention_heads
        self.cfg = cfg
        self.heads = heads
        self.embed_tokens = embed_tokens
        self.embed_scale = math.sqrt(d) if cfg.scale_embedding else 1.0
        self.layernorm_embedding = _layer_norm(d, cfg.layernorm_embedding, device)
        self.code_layernorm_embedding = _layer_norm(d, cfg.code_layernorm_embedding, device)  # image-code path only
        self.embed_positions = nn.Embedding(cfg.max_position_embeddings + 2, d, device=device)
        self.embed_image_positions = nn.Embedding(cfg.image_bucket_size ** 2 + 1, d, device=device)  # code path
        self.pos_ln = nn.LayerNorm(d, device=device)
        self.image_pos_ln = nn.LayerNorm(d, device=device)  # code path
        self.pos_scaling = float(d / heads * cfg.attn_scale_factor) ** -0.5
        self.self_pos_q_linear = nn.Linear(d, d, device=device)
        self.self_pos_k_linear = nn.Linear(d, d, device=device)
        self.cross_pos_q_linear = nn.Linear(d, d, device=device)
        self.cross_pos_k_linear = nn.Linear(d, d, device=device)
        self.layers = nn.ModuleList([DecoderLayer(cfg, device) for _ in range(cfg.decoder_layers)])
        self.layer_norm = _layer_norm(d, cfg.decoder_normalize_before, device)
        self.token_rel_pos_table_list = nn.ModuleList(
            [nn.Embedding(2 * cfg.token_bucket_size - 1, heads, device=device) for _ in range(cfg.decoder_layers)])
        self.image_rel_pos_table_list = nn.ModuleList(  # code path
            [nn.Embedding(cfg.image_rel_table_rows, heads, device=device) for _ in range(cfg.decoder_layers)])
        self.output_projection = nn.Linear(d, cfg.vocab_size, bias=False, device=device)
        if cfg.share_decoder_input_output_embed:
            self.output_projection.weight = embed_tokens.weight
        self.register_buffer("token_bucket", token_bucket_table(cfg.token_bucket_size, cfg.max_position_embeddings),
                             persistent=False)

    def cross_kv(self, encoder_states: Tensor, encoder_position: Tensor) -> List[Tensor]:
        """Once per sequence: [k_0, v_0, k_1, v_1, ..., cross_pos_key], each [B, H, S, hd]."""
        out: List[Tensor] = []
        for layer in self.layers:
            out.extend(layer.cross_attn.keys_values(encoder_states))
        out.append(split_heads(self.cross_pos_k_linear(encoder_position), self.heads))
        return out

    def forward(self, input_ids: Tensor, past: Sequence[Tensor], past_order: Tensor, cross: Sequence[Tensor],
                encoder_padding_mask: Tensor) -> Tuple[Tensor, List[Tensor]]:
        """Decode T new tokens for R rows after P cached ones.

        past = [k_0, v_0, ...] each [R', H, P, hd] (P may be 0); row r continues past row ``past_order[r]`` (beam
        reordering happens here, natively, so the cache never travels to the caller). cross and the padding mask
        hold G sentences; rows come in G equal groups, sentence-major (each sentence's beams or candidates).
        Returns logits [R, T, V] and present = [k_0, v_0, ...] each [R, H, P+T, hd].
        """
        cfg = self.cfg
        past = [p.index_select(0, past_order) for p in past]
        past_len = past[0].shape[2]
        new_len = input_ids.shape[1]
        all_pos = torch.arange(past_len + new_len, device=input_ids.device)
        new_pos = all_pos[past_len:]
        pos_all = self.pos_ln(self.embed_positions(all_pos)).unsqueeze(0)
        pos_new = pos_all[:, past_len:]
        self_abs = position_bias(self.self_pos_q_linear, self.self_pos_k_linear, pos_new, pos_all,
                                 self.heads, self.pos_scaling)                                     # [1, H, T, P+T]
        cross_pos_key = cross[-1]
        cross_q = split_heads(self.cross_pos_q_linear(pos_new), self.heads) * self.pos_scaling     # [1, H, T, hd]
        cross_bias = torch.matmul(cross_q, cross_pos_key.transpose(2, 3)) \
            + key_padding_bias(encoder_padding_mask, cross_pos_key.dtype)                          # [B, H, T, S]

        rel_idx = self.token_bucket[new_pos[:, None] - all_pos[None, :] + cfg.max_position_embeddings - 1]
        causal = (all_pos[None, :] > new_pos[:, None]).to(self_abs.dtype) * torch.finfo(self_abs.dtype).min

        x = _apply(self.layernorm_embedding, self.embed_scale * self.embed_tokens(input_ids))
        present: List[Tensor] = []
        for idx, layer in enumerate(self.layers):
            rel = self.token_rel_pos_table_list[idx](rel_idx).permute(2, 0, 1).unsqueeze(0)       # [1, H, T, P+T]
            x, k, v = layer(x, past[2 * idx], past[2 * idx + 1], cross[2 * idx], cross[2 * idx + 1],
                            self_abs + rel + causal, cross_bias)
            present.extend([k, v])
        x = _apply(self.layer_norm, x)
        return self.output_projection(x), present


    def forward_codes(self, input_ids: Tensor, past: Sequence[Tensor], past_order: Tensor, cross: Sequence[Tensor],
                      encoder_padding_mask: Tensor, code_grid_width: Tensor) -> Tuple[Tensor, List[Tensor]]:
        """As ``forward``, for a decoder that writes image codes (the reference's ``code_masks`` true for the whole
        sequence): positions come from the image-position table laid out on a ``code_grid_width`` square grid, with
        ``image_pos_ln``, the 2D relative tables and ``code_layernorm_embedding`` in place of the text ones.

        ``past`` = [k_0, v_0, ..., pos_key]: the layers' caches, then the self-attention position keys of the P
        positions so far [1, H, P, hd] (the same for every row: positions only). Caching them keeps a step's cost
        flat over the 1024 steps of an image, instead of re-projecting every earlier position at each step."""
        cfg = self.cfg
        past_pos_key = past[-1]
        past = [p.index_select(0, past_order) for p in past[:-1]]
        past_len = past[0].shape[2]
        new_len = input_ids.shape[1]
        ids_all = code_position_ids(past_len + new_len, code_grid_width, cfg.image_bucket_size, input_ids.device)
        ids_new = ids_all[past_len:]
        pos_new = self.image_pos_ln(self.embed_image_positions(ids_new)).unsqueeze(0)            # [1, T, d]
        pos_key = torch.cat([past_pos_key, split_heads(self.self_pos_k_linear(pos_new), self.heads)], dim=2)
        pos_q = split_heads(self.self_pos_q_linear(pos_new), self.heads) * self.pos_scaling
        self_abs = torch.matmul(pos_q, pos_key.transpose(2, 3))                                   # [1, H, T, P+T]
        cross_pos_key = cross[-1]
        cross_q = split_heads(self.cross_pos_q_linear(pos_new), self.heads) * self.pos_scaling
        cross_bias = torch.matmul(cross_q, cross_pos_key.transpose(2, 3)) \
            + key_padding_bias(encoder_padding_mask, cross_pos_key.dtype)
        rel_idx = code_rel_index(ids_new, ids_all, cfg.image_bucket_size)
        all_pos = torch.arange(past_len + new_len, device=input_ids.device)
        causal = (all_pos[None, :] > all_pos[past_len:, None]).to(self_abs.dtype) * torch.finfo(self_abs.dtype).min
        norm = self.code_layernorm_embedding if self.code_layernorm_embedding is not None else self.layernorm_embedding
        x = _apply(norm, self.embed_scale * self.embed_tokens(input_ids))
        present: List[Tensor] = []
        for idx, layer in enumerate(self.layers):
            rel = self.image_rel_pos_table_list[idx](rel_idx).permute(2, 0, 1).unsqueeze(0)
            x, k, v = layer(x, past[2 * idx], past[2 * idx + 1], cross[2 * idx], cross[2 * idx + 1],
                            self_abs + rel + causal, cross_bias)
            present.extend([k, v])
        present.append(pos_key)
        x = _apply(self.layer_norm, x)
        return self.output_projection(x), present


class OfaModel(nn.Module):
    """The whole model; ``state_dict()`` keys equal those of published HF-layout OFA checkpoints."""

    def __init__(self, cfg: OfaConfig, device=None):
        super().__init__()
        self.cfg = cfg
        shared = nn.Embedding(cfg.vocab_size, cfg.d_model, padding_idx=cfg.pad_token_id, device=device)
        self.encoder = Encoder(cfg, shared, device)
        self.decoder = Decoder(cfg, shared, device)

    def empty_past(self, batch: int, dtype=torch.float32) -> List[Tensor]:
        cfg = self.cfg
        hd = cfg.d_model // cfg.decoder_attention_heads
        return [torch.zeros(batch, cfg.decoder_attention_heads, 0, hd, dtype=dtype)
                for _ in range(2 * cfg.decoder_layers)]

    @staticmethod
    def identity_order(rows: int) -> Tensor:
        return torch.arange(rows)

    def step(self, input_ids: Tensor, past: Sequence[Tensor], cross: Sequence[Tensor], padding_mask: Tensor):
        """One call without reordering: rows keep their cache rows."""
        return self.decoder(input_ids, past, self.identity_order(input_ids.shape[0]), cross, padding_mask)

    def empty_code_past(self, batch: int, dtype=torch.float32) -> List[Tensor]:
        """The empty cache of ``Decoder.forward_codes``: the layers' keys/values, then the position keys."""
        cfg = self.cfg
        hd = cfg.d_model // cfg.decoder_attention_heads
        return self.empty_past(batch, dtype) + [torch.zeros(1, cfg.decoder_attention_heads, 0, hd, dtype=dtype)]

    def step_codes(self, input_ids: Tensor, past: Sequence[Tensor], cross: Sequence[Tensor], padding_mask: Tensor,
                   grid_width: int):
        """One code-writing decoder call without reordering (see ``Decoder.forward_codes``)."""
        return self.decoder.forward_codes(input_ids, past, self.identity_order(input_ids.shape[0]), cross, padding_mask,
                                          torch.tensor([grid_width]))

    @torch.no_grad()
    def log_probs(self, patch_images: Tensor, input_ids: Tensor, decoder_input_ids: Tensor) -> Tensor:
        """Teacher-forced full-vocabulary log-probs [B, T, V] in one decoder call."""
        enc = self.encoder(patch_images, input_ids)
        cross = self.decoder.cross_kv(enc.states, enc.position)
        logits, _ = self.step(decoder_input_ids, self.empty_past(input_ids.shape[0]), cross, enc.padding_mask)
        return torch.log_softmax(logits, dim=-1)


def parameter_count(cfg: OfaConfig) -> int:
    """Parameters of a model of this config, counted on the meta device: nothing is allocated."""
    model = OfaModel(cfg, device="meta")
    return sum(p.numel() for p in model.parameters())
