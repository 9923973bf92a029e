"""--probe: what this host has for the trainer, as one JSON line."""

import json
import platform

from .common import EXIT_OK


def probe():
    """Prints what this host has for the trainer, as one JSON line."""
    rep = {"python": platform.python_version(), "missing": []}
    torch = None
    try:
        import torch  # noqa: F811
        rep["torch"] = torch.__version__
    except Exception as e:  # ImportError, or a broken install
        rep["missing"].append("torch (%s)" % e)
    try:
        import transformers
        from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation  # noqa: F401
        rep["transformers"] = transformers.__version__
    except Exception as e:
        rep["missing"].append("transformers with UperNet and ConvNeXt (%s)" % e)
    for mod in ("numpy", "PIL", "safetensors"):
        try:
            __import__(mod)
        except Exception as e:
            rep["missing"].append("%s (%s)" % (mod, e))
    for mod in ("onnx", "onnxruntime"):
        try:
            rep[mod] = __import__(mod).__version__
        except Exception:
            rep[mod] = None
    if torch is not None:
        rep["cuda"] = bool(torch.cuda.is_available())
        if rep["cuda"]:
            props = torch.cuda.get_device_properties(0)
            rep["gpu_name"] = props.name
            rep["gpu_memory_mb"] = props.total_memory // (1 << 20)
            rep["gpu_count"] = torch.cuda.device_count()
            rep["bf16"] = bool(torch.cuda.is_bf16_supported())
            rep["cuda_version"] = torch.version.cuda
        else:
            rep["missing"].append("a CUDA GPU (torch %s sees none)" % torch.__version__)
    rep["ok"] = not rep["missing"]
    print(json.dumps(rep), flush=True)
    return EXIT_OK
