"""`shapecalc import` on a sample of timm's convolutional networks, against torch itself.

One model per timm model module (timm/models/<family>.py) whose architecture is convolutional
(CNNs and conv hybrids), a small variant each, more where a family's models are built from
different layers (efficientnet.py's TF-padded, mixed-kernel and NAS variants; resnetv2.py's
weight-standardised BiT). Each is built with pretrained=False (on the meta device: nothing
computed), imported at its own default input size (`pretrained_cfg["input_size"]`), and then:
every node's output shape, the total parameters and buffers equal torch's; check reports no
diagnostic F/G/S/Y (none has F001 either: no stride leaves real input unread); and under the `torch` convention the MACs equal
`torch.utils.flop_counter.FlopCounterMode`'s FLOPs / 2 on the same model (eval, batch 1).

GAPS are the families whose model does not import yet, each with what it misses: each must come
back with unmapped nodes listed (never an exception, never a wrong spec), so a gap closed shows. Left out of the sample, as not
convolutional: the pure transformers (beit, cait, crossvit, deepseek_vit, deit, eva,
gemma4_vit, hiera, hieradet_sam2, naflexvit, qwen3_vit, swin_transformer,
swin_transformer_v2, swin_transformer_v2_cr, tnt, vision_transformer,
vision_transformer_relpos, vision_transformer_sam, volo (an outlook-attention transformer),
convit (a ViT with gated positional self-attention: its only convolution is the patch
embedding, as every ViT's)), the MLP mixers (mlp_mixer) and the LSTM mixer (sequencer).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
timm = pytest.importorskip("timm", reason="timm is not installed: pip install -e '.[oracle]' (CI installs it: "
                                          "the timm zoo is part of the oracle tests)")

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.cost import layer_costs, totals  # noqa: E402
from shapecalc.torch.importer import import_model  # noqa: E402

from .zoo import flop_counter_macs  # noqa: E402

#: timm model module -> the models sampled from it.
SAMPLE = {
    "byoanet": ["lambda_resnet26t"],
    "byobnet": ["gernet_s", "repvgg_a0", "mobileone_s0"],
    "convmixer": ["convmixer_768_32"],
    "convnext": ["convnext_atto"],
    "cspnet": ["cs3darknet_s", "cspresnet50", "darknet17"],
    "cspnext": ["cspnext_tiny"],
    "densenet": ["densenet121"],
    "dla": ["dla34"],
    "dpn": ["dpn48b"],
    "efficientnet": ["efficientnet_b0", "tf_efficientnet_b0", "mixnet_s", "efficientnet_lite0", "mobilenetv2_050",
                     "mnasnet_small", "tinynet_e", "efficientnetv2_rw_t", "fbnetc_100", "spnasnet_100"],
    "fasternet": ["fasternet_t0"],
    "fastvit": ["fastvit_t8"],
    "focalnet": ["focalnet_tiny_srf"],
    "ghostnet": ["ghostnet_050"],
    "hardcorenas": ["hardcorenas_a"],
    "hgnet": ["hgnetv2_b0", "hgnet_tiny"],
    "hrnet": ["hrnet_w18_small"],
    "iformer": ["iformer_t"],
    "inception_next": ["inception_next_atto"],
    "inception_resnet_v2": ["inception_resnet_v2"],
    "inception_v3": ["inception_v3"],
    "inception_v4": ["inception_v4"],
    "lcnetv2": ["lcnetv2_small"],
    "mambaout": ["mambaout_femto"],
    "metaformer": ["poolformer_s12"],
    "mobilenetv3": ["mobilenetv3_small_050", "lcnet_050", "mobilenetv4_conv_small", "fbnetv3_b",
                    "tf_mobilenetv3_small_minimal_100"],
    "nasnet": ["nasnetalarge"],
    "nextvit": ["nextvit_small"],
    "nfnet": ["nf_regnet_b0", "dm_nfnet_f0", "nf_resnet26", "eca_nfnet_l0"],
    "pit": ["pit_ti_224"],
    "pnasnet": ["pnasnet5large"],
    "pvt_v2": ["pvt_v2_b0"],
    "rdnet": ["rdnet_tiny"],
    "regnet": ["regnetx_002", "regnety_002", "regnetz_005"],
    "repghost": ["repghostnet_050"],
    "repvit": ["repvit_m0_9"],
    "res2net": ["res2net50_48w_2s"],
    "resnest": ["resnest14d"],
    "resnet": ["resnet10t", "resnet18d", "seresnext26d_32x4d", "resnet50_gn", "ecaresnet26t"],
    "resnetv2": ["resnetv2_18", "resnetv2_50x1_bit"],
    "rexnet": ["rexnet_100"],
    "selecsls": ["selecsls42b"],
    "senet": ["legacy_seresnet18"],
    "sknet": ["skresnet18"],
    "shvit": ["shvit_s1"],
    "starnet": ["starnet_s050"],
    "swiftformer": ["swiftformer_xs"],
    "twins": ["twins_pcpvt_small"],
    "vgg": ["vgg11_bn"],
    "vision_transformer_hybrid": ["vit_tiny_r_s16_p8_224"],
    "visformer": ["visformer_tiny"],
    "vitamin": ["vitamin_small_224"],
    "vovnet": ["ese_vovnet19b_dw"],
    "xception": ["legacy_xception"],
    "xception_aligned": ["xception41"],
    # the families of GAPS, one model each
    "coat": ["coat_lite_tiny"], "cpubone": ["cpubone_nano"], "csatv2": ["csatv2"], "davit": ["davit_tiny"],
    "edgenext": ["edgenext_xx_small"], "efficientformer": ["efficientformer_l1"],
    "efficientformer_v2": ["efficientformerv2_s0"], "efficientvim": ["efficientvim_m1"],
    "efficientvit_mit": ["efficientvit_b0"], "efficientvit_msra": ["efficientvit_m0"], "gcvit": ["gcvit_xxtiny"],
    "levit": ["levit_conv_128s"], "lowformer": ["lowformer_b0"], "maxxvit": ["coatnet_nano_rw_224"],
    "mobilenetv5": ["mobilenetv5_300m"], "mobilevit": ["mobilevit_xxs"], "mvitv2": ["mvitv2_tiny"],
    "nest": ["nest_tiny"],
    "tiny_vit": ["tiny_vit_5m_224"], "tresnet": ["tresnet_m"],
    "xcit": ["xcit_nano_12_p16_224"],
}

WINDOWS = "window partitions reshaped and viewed across the batch (a spec's reshape keeps it)"
BIAS = "attention biases gathered by an index buffer (a buffer get_attr; getitem by a tensor)"
SDPA_MASK = "F.scaled_dot_product_attention with an attn_mask tensor (the relative position bias)"
#: What each model that does not import misses: its unmapped root causes, the first of each kind.
GAPS = {
    "coat_lite_tiny": "F.pad of three dimensions; a conv position encoding called twice (shared parameters)",
    "cpubone_nano": "cpubone's ConvAttention (a timm leaf)",
    "csatv2": "buffers read by get_attr (its DCT stem's mean, std, weights)",
    "davit_tiny": f"{WINDOWS}; window_reverse (a timm leaf function); F.pad of three dimensions",
    "edgenext_xx_small": "PositionalEncodingFourier (a timm leaf)",
    "efficientformer_l1": BIAS,
    "efficientformerv2_s0": BIAS,
    "efficientvim_m1": "a view to [4, -1, 1, 1] across the batch",
    "efficientvit_b0": "LiteMLA (a timm leaf: ReLU linear attention)",
    "efficientvit_m0": "LocalWindowAttention (a timm leaf)",
    "gcvit_xxtiny": f"{WINDOWS}; {BIAS}",
    "levit_conv_128s": BIAS,
    "lowformer_b0": "lowformer's ConvAttention (a timm leaf)",
    "coatnet_nano_rw_224": f"{BIAS}; relative position bias views; {SDPA_MASK}",
    "mobilenetv5_300m": "RMS norm's pow / rsqrt; MobileNetV5MultiScaleFusionAdapter (a timm leaf)",
    "mobilevit_xxs": "MobileVitBlock (a timm leaf: unfold, transformer, fold)",
    "mvitv2_tiny": "reshape_pre_pool / reshape_post_pool / cal_rel_pos_type (timm leaf functions)",
    "nest_tiny": "deblockify (a timm leaf function)",
    "tiny_vit_5m_224": "TinyVitBlock (a timm leaf: windowed attention)",
    "tresnet_m": "F.pad in reflect mode; BlurPool2d: a fixed-filter F.conv2d on a buffer (anti-aliasing)",
    "xcit_nano_12_p16_224": "PositionalEncodingFourier (a timm leaf)",
}

MODELS = [m for models in SAMPLE.values() for m in models]


def build(name: str):
    """The model on the meta device (nothing allocated): every sampled model builds there."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            return timm.create_model(name, pretrained=False)


def counted_on(name: str, model, analysis):
    """The model FlopCounterMode measures: the meta one, but on the CPU for a model with scaled
    dot-product attention. There torch runs its fused kernel, which FlopCounterMode has no
    formula for (the `torch` convention follows it, layers/attention.py); on the meta device,
    the math path's two bmm, which it counts (NextViT-S: 33,191,424 MACs more)."""
    if not any(r.spec.type == "scaleddotproductattention" for r in analysis.layers):
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return timm.create_model(name, pretrained=False)


def test_the_sample_is_sixty_models_or_more_with_every_gap_in_it():
    assert len(MODELS) == len(set(MODELS)) and len(MODELS) - len(GAPS) >= 60
    assert set(GAPS) <= set(MODELS)


@pytest.mark.parametrize("name", [m for m in MODELS if m not in GAPS])
def test_timm_model_imports_with_torchs_shapes_params_buffers_and_macs(name):
    model = build(name)
    size = tuple(model.pretrained_cfg["input_size"])
    imported = import_model(model, size, name)
    assert [str(u) for u in imported.unmapped] == []
    analysis = check_text(imported.yaml(), name)
    # not even F001: no model of the sample has a stride that leaves real input unread
    assert [f"{d.code} {d.layer}: {d.message}" for d in analysis.diagnostics if d.code[0] in "FGSY"] == []
    assert len(imported.shapes) == len(analysis.layers)
    wrong = {layer: (analysis.layer(layer).output_shape, shape) for layer, shape in imported.shapes.items()
             if analysis.layer(layer).output_shape != shape}
    assert wrong == {}
    assert (analysis.total_params + sum(n for _, n, _ in imported.unused),
            analysis.buffers + sum(b for _, _, b in imported.unused)) == (imported.params, imported.buffers)
    assert totals(layer_costs(analysis, "torch")).macs == flop_counter_macs(counted_on(name, model, analysis), size)


@pytest.mark.parametrize("name", sorted(GAPS))
def test_a_gap_is_its_unmapped_nodes_listed_never_a_wrong_spec(name):
    """A model of GAPS imports with its unmapped nodes listed (what `shapecalc import` prints,
    exit 1, nothing written), not with an exception or a spec that is silently wrong; the day
    it maps every node, this fails: move it out of GAPS, and the test above holds it."""
    model = build(name)
    imported = import_model(model, tuple(model.pretrained_cfg["input_size"]), name)
    assert imported.unmapped != [], f"{name} imports now: take it out of GAPS"


def test_the_readme_states_the_samples_counts_and_every_gap():
    from ..conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    clean = [f for f, models in SAMPLE.items() if any(m not in GAPS for m in models)]
    assert f"{len(MODELS)} models, at least one from each of its {len(SAMPLE)} convolutional model modules" in readme
    assert f"**{len(MODELS) - len(GAPS)} models from {len(clean)} families import with no unmapped node**" in readme
    for model, misses in GAPS.items():
        assert f"| {model} | {misses} |" in readme, model
