"""UperNet with a ConvNeXt backbone (transformers), its forward pass, local
pretrained weights, and an ONNX-friendly adaptive pooling."""

from .common import ARCHITECTURES, IGNORE, InputError


def build_model(arch_name, n_classes, torch):
    from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation
    a = ARCHITECTURES[arch_name]
    backbone = ConvNextConfig(num_channels=3, depths=a["depths"], hidden_sizes=a["hidden_sizes"],
                              out_features=["stage1", "stage2", "stage3", "stage4"])
    config = UperNetConfig(backbone_config=backbone, num_labels=n_classes, hidden_size=512,
                           use_auxiliary_head=True, auxiliary_in_channels=a["hidden_sizes"][2],
                           loss_ignore_index=IGNORE)
    return UperNetForSemanticSegmentation(config)


def segment(model, x, aux=True):
    """Logits at the input's size (and the auxiliary head's, when training)."""
    import torch.nn.functional as F
    features = model.backbone(pixel_values=x).feature_maps
    size = x.shape[-2:]
    logits = F.interpolate(model.decode_head(features), size=size, mode="bilinear", align_corners=False)
    if not aux or model.auxiliary_head is None:
        return logits, None
    a = F.interpolate(model.auxiliary_head(features), size=size, mode="bilinear", align_corners=False)
    return logits, a


def load_pretrained(model, path, torch):
    """Loads the tensors of a local weights file that fit the model: a
    UperNet checkpoint, or a ConvNeXt backbone or classifier."""
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        sd = load_file(path)
    else:
        sd = torch.load(path, map_location="cpu", weights_only=True)
        for key in ("state_dict", "model"):
            if isinstance(sd, dict) and isinstance(sd.get(key), dict):
                sd = sd[key]
    own = model.state_dict()
    loaded = {}
    for k, v in sd.items():
        for cand in (k, "backbone." + k, k.replace("convnext.", "backbone.", 1)):
            if cand in own and tuple(own[cand].shape) == tuple(v.shape):
                loaded[cand] = v
                break
    if not loaded:
        raise InputError("pretrained weights %s: none of its %d tensors fit this model" % (path, len(sd)))
    model.load_state_dict(loaded, strict=False)
    return len(loaded), len(own)


class MatmulAvgPool:
    """nn.AdaptiveAvgPool2d for a fixed input size as two matrix products,
    which every ONNX exporter handles (adaptive pooling to sizes that do not
    divide the input has no ONNX operator)."""

    @staticmethod
    def make(torch, out, h, w):
        nn = torch.nn

        def matrix(o, n):
            m = torch.zeros(o, n)
            for i in range(o):
                s, e = (i * n) // o, -((-(i + 1) * n) // o)
                m[i, s:e] = 1.0 / (e - s)
            return m

        class Pool(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("ph", matrix(out, h))
                self.register_buffer("pw", matrix(out, w).t().contiguous())

            def forward(self, x):
                return torch.matmul(torch.matmul(self.ph, x), self.pw)

        return Pool()
