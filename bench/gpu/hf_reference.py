#!/usr/bin/env python3
"""The peer the PyTorch trainer is measured against: the plain Hugging Face
training loop for UperNet + ConvNeXt-Base (random start) at 512×512, batch
16, bf16 autocast, torch.optim.AdamW with its defaults, the loss from the
model's own forward (main + auxiliary head), random data already on the
GPU. Prints images/s and peak GPU memory."""

import json
import sys
import time


def measure(batch=16, size=512, steps=20, warmup=5, device="cuda", classes=3):
    import torch
    from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation
    backbone = ConvNextConfig(depths=[3, 3, 27, 3], hidden_sizes=[128, 256, 512, 1024],
                              out_features=["stage1", "stage2", "stage3", "stage4"])
    model = UperNetForSemanticSegmentation(UperNetConfig(backbone_config=backbone, num_labels=classes,
                                                         auxiliary_in_channels=512)).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, classes, (batch, size, size), device=device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def step():
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            loss = model(pixel_values=x, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad()

    for _ in range(warmup):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.time()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    secs = time.time() - t
    return {"images_per_second": round(batch * steps / secs, 2), "batch": batch, "size": size, "steps": steps,
            "peak_gpu_memory_mb": torch.cuda.max_memory_allocated() // (1 << 20) if device == "cuda" else None}


if __name__ == "__main__":
    print(json.dumps(measure(device=sys.argv[1] if len(sys.argv) > 1 else "cuda")))
