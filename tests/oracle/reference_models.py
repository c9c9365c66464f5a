"""Reference networks written by hand in plain torch.nn, for checking shapecalc against real models.

torchvision is not available, so the classic architectures are re-typed here the way torchvision
writes them: same layers, same hyper-parameters, same submodule names, hence the same parameter
counts and state_dict keys. Top-level models are nn.Sequential of named children (plus a
parameter-free nn.Flatten where torchvision calls torch.flatten in forward), which keeps the keys
identical. Weights keep torch's default initialisation: these models are for shapes and counts.

Every factory returns an eval-mode model taking batch-first input. MODELS lists them with their
input shape, expected parameter count and output shape (all shapes without the batch dimension).

Run `python -m tests.oracle.reference_models` to build each model, run it on the meta device and
check the counts and output shapes.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_forward(model: nn.Module, input_shape: tuple[int, ...]) -> torch.Tensor:
    """Move the model to the meta device (in place) and run it on one batch item: shapes only."""
    return model.to("meta")(torch.empty((1, *input_shape), device="meta"))


def record_shapes(model: nn.Module, input_shape: tuple[int, ...], names: list[str]) -> list[tuple[str, tuple]]:
    """(submodule name, output shape without batch) for each call of the named submodules, in call order."""
    modules = dict(model.named_modules())
    shapes = []

    def hook(name: str):
        return lambda _module, _input, out: shapes.append((name, tuple(out.shape[1:])))

    handles = [modules[name].register_forward_hook(hook(name)) for name in names]
    try:
        meta_forward(model, input_shape)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


# --- VGG16 ---------------------------------------------------------------------------------------

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16() -> nn.Module:
    """torchvision.models.vgg16 (configuration "D", no batch norm): 138,357,544 parameters."""
    layers, cin = [], 3
    for v in VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = v
    classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 1000),
    )
    return nn.Sequential(OrderedDict(
        features=nn.Sequential(*layers),
        avgpool=nn.AdaptiveAvgPool2d((7, 7)),
        flatten=nn.Flatten(1),
        classifier=classifier,
    )).eval()


# --- ResNet (v1.5: the stride of a bottleneck is on its 3x3 conv) ----------------------------------

def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _resnet(block: type[BasicBlock | Bottleneck], blocks_per_layer: list[int]) -> nn.Module:
    stages, inplanes = [], 64
    for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), blocks_per_layer)):
        stride, out = (1 if i == 0 else 2), planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != out:
            downsample = nn.Sequential(conv1x1(inplanes, out, stride), nn.BatchNorm2d(out))
        rest = (block(out, planes) for _ in range(1, blocks))
        stages.append(nn.Sequential(block(inplanes, planes, stride, downsample), *rest))
        inplanes = out
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),
        bn1=nn.BatchNorm2d(64),
        relu=nn.ReLU(inplace=True),
        maxpool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        **{f"layer{i}": stage for i, stage in enumerate(stages, start=1)},
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        fc=nn.Linear(512 * block.expansion, 1000),
    )).eval()


def resnet18() -> nn.Module:
    """torchvision.models.resnet18: 11,689,512 parameters."""
    return _resnet(BasicBlock, [2, 2, 2, 2])


def resnet50() -> nn.Module:
    """torchvision.models.resnet50: 25,557,032 parameters."""
    return _resnet(Bottleneck, [3, 4, 6, 3])


# --- GoogLeNet (Inception v1, without the auxiliary heads) ----------------------------------------

class BasicConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    def __init__(self, cin: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int):
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(cin, ch3x3red, kernel_size=1), BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        # torchvision's "5x5" branch really uses a 3x3 conv (a known bug kept for its pretrained weights).
        self.branch3 = nn.Sequential(
            BasicConv2d(cin, ch5x5red, kernel_size=1), BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True), BasicConv2d(cin, pool_proj, kernel_size=1),
        )

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


def googlenet() -> nn.Module:
    """torchvision GoogLeNet(aux_logits=False, transform_input=False, init_weights=False): 6,624,904 parameters."""
    return nn.Sequential(OrderedDict(
        conv1=BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3),
        maxpool1=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        conv2=BasicConv2d(64, 64, kernel_size=1),
        conv3=BasicConv2d(64, 192, kernel_size=3, padding=1),
        maxpool2=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        inception3a=Inception(192, 64, 96, 128, 16, 32, 32),
        inception3b=Inception(256, 128, 128, 192, 32, 96, 64),
        maxpool3=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        inception4a=Inception(480, 192, 96, 208, 16, 48, 64),
        inception4b=Inception(512, 160, 112, 224, 24, 64, 64),
        inception4c=Inception(512, 128, 128, 256, 24, 64, 64),
        inception4d=Inception(512, 112, 144, 288, 32, 64, 64),
        inception4e=Inception(528, 256, 160, 320, 32, 128, 128),
        maxpool4=nn.MaxPool2d(2, stride=2, ceil_mode=True),
        inception5a=Inception(832, 256, 160, 320, 32, 128, 128),
        inception5b=Inception(832, 384, 192, 384, 48, 128, 128),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        dropout=nn.Dropout(0.2),
        fc=nn.Linear(1024, 1000),
    )).eval()


# --- MobileNetV2 (width 1.0) ----------------------------------------------------------------------

def conv_bn_relu6(cin: int, cout: int, kernel_size: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """torchvision's Conv2dNormActivation with ReLU6 (same padding, conv without bias)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel_size, stride, padding=(kernel_size - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        expand = [conv_bn_relu6(inp, hidden, kernel_size=1)] if expand_ratio != 1 else []
        self.conv = nn.Sequential(
            *expand,
            conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),  # depthwise
            nn.Conv2d(hidden, oup, 1, bias=False),  # linear bottleneck
            nn.BatchNorm2d(oup),
        )

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


# (expansion t, output channels c, repeats n, first stride s)
MOBILENET_V2_SETTINGS = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
]


def mobilenet_v2() -> nn.Module:
    """torchvision.models.mobilenet_v2: 3,504,872 parameters."""
    features, cin = [conv_bn_relu6(3, 32, stride=2)], 32
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
            cin = c
    features.append(conv_bn_relu6(cin, 1280, kernel_size=1))
    return nn.Sequential(OrderedDict(
        features=nn.Sequential(*features),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        classifier=nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000)),
    )).eval()


# --- SqueezeNet 1.0 -------------------------------------------------------------------------------

class Fire(nn.Module):
    def __init__(self, cin: int, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], dim=1
        )


def squeezenet1_0() -> nn.Module:
    """torchvision.models.squeezenet1_0: 1,248,424 parameters."""
    features = nn.Sequential(
        nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(512, 64, 256, 256),
    )
    classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Conv2d(512, 1000, kernel_size=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)),
    )
    return nn.Sequential(OrderedDict(features=features, classifier=classifier, flatten=nn.Flatten(1))).eval()


# --- U-Net (Ronneberger et al. 2015: valid convolutions, copy and crop) ---------------------------

def double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3), nn.ReLU(inplace=True))


def center_crop(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop the last two dims to `size`, with torchvision's center_crop offsets."""
    h, w = size
    top, left = int(round((x.shape[-2] - h) / 2.0)), int(round((x.shape[-1] - w) / 2.0))
    return x[..., top:top + h, left:left + w]


class UNet(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 2, widths: tuple[int, ...] = (64, 128, 256, 512, 1024)):
        super().__init__()
        ins = (in_channels, *widths[:-2])
        self.encoder = nn.ModuleList(double_conv(cin, cout) for cin, cout in zip(ins, widths[:-1]))
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.bottleneck = double_conv(widths[-2], widths[-1])
        self.upconvs = nn.ModuleList(
            nn.ConvTranspose2d(c, c // 2, kernel_size=2, stride=2) for c in reversed(widths[1:])
        )
        self.decoder = nn.ModuleList(double_conv(c, c // 2) for c in reversed(widths[1:]))
        self.head = nn.Conv2d(widths[0], num_classes, kernel_size=1)

    def forward(self, x):
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.upconvs, self.decoder, reversed(skips)):
            x = up(x)
            x = block(torch.cat([center_crop(skip, x.shape[-2:]), x], dim=1))
        return self.head(x)


UNET_STAGES = [
    *(f"encoder.{i}" for i in range(4)),
    "bottleneck",
    *(f"{part}.{i}" for i in range(4) for part in ("upconvs", "decoder")),
    "head",
]


def unet() -> nn.Module:
    """The original U-Net, 1x572x572 -> 2x388x388: 31,030,658 parameters."""
    return UNet().eval()


def unet_shapes() -> list[tuple[str, tuple[int, ...]]]:
    """Output shape (without batch) of every encoder / decoder stage of unet() on its 1x572x572 input."""
    return record_shapes(unet(), MODELS["unet"][1], UNET_STAGES)


# --- DCGAN generator (PyTorch DCGAN tutorial) -----------------------------------------------------

def dcgan_generator(nz: int = 100, ngf: int = 64, nc: int = 3) -> nn.Module:
    """The DCGAN tutorial's Generator, (nz, 1, 1) -> (nc, 64, 64): 3,576,704 parameters with the defaults.

    Kept under a `main` child as in the tutorial, so the state_dict keys match (main.0.weight, ...).
    """
    def up(cin: int, cout: int, stride: int, padding: int) -> list[nn.Module]:
        return [nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]

    main = nn.Sequential(
        *up(nz, ngf * 8, 1, 0),  # 4x4
        *up(ngf * 8, ngf * 4, 2, 1),  # 8x8
        *up(ngf * 4, ngf * 2, 2, 1),  # 16x16
        *up(ngf * 2, ngf, 2, 1),  # 32x32
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # 64x64
        nn.Tanh(),
    )
    return nn.Sequential(OrderedDict(main=main)).eval()


# name: (factory, input shape, expected parameter count, expected output shape); shapes without batch.
MODELS = {
    "vgg16": (vgg16, (3, 224, 224), 138_357_544, (1000,)),
    "resnet18": (resnet18, (3, 224, 224), 11_689_512, (1000,)),
    "resnet50": (resnet50, (3, 224, 224), 25_557_032, (1000,)),
    "googlenet": (googlenet, (3, 224, 224), 6_624_904, (1000,)),
    "mobilenet_v2": (mobilenet_v2, (3, 224, 224), 3_504_872, (1000,)),
    "squeezenet1_0": (squeezenet1_0, (3, 224, 224), 1_248_424, (1000,)),
    "unet": (unet, (1, 572, 572), 31_030_658, (2, 388, 388)),
    "dcgan_generator": (dcgan_generator, (100, 1, 1), 3_576_704, (3, 64, 64)),
}


if __name__ == "__main__":
    print(f"{'model':<16} {'params':>13}  output")
    for name, (factory, input_shape, expected_params, expected_output) in MODELS.items():
        model = factory()
        params, output = param_count(model), tuple(meta_forward(model, input_shape).shape[1:])
        print(f"{name:<16} {params:>13,}  {output}")
        assert params == expected_params, (name, params, expected_params)
        assert output == expected_output, (name, output, expected_output)
    print("\nunet stages:")
    for stage, shape in unet_shapes():
        print(f"  {stage:<12} {shape}")
