"""The bench U-Net in PyTorch, the yardstick: forward and Adam train step on the CPU.

Same net as bench/nets.ts (per level two conv 3 + BN + ReLU, max pool 2, transposed conv 2 up,
concat skip, 1x1 head; MSE loss, Adam 1e-3). Run by bench/run.ts when a Python with torch is
present (UNET_KIT_TORCH_PYTHON, else python3); prints one JSON line.

    python3 bench/torch_unet.py '{"net": "2d", "reps": 5, "threads": 2}'
"""
import json
import resource
import sys
import time

import torch
from torch import nn

NETS = {
    "2d": {"dims": 2, "size": 128, "batch": 4, "filters": [16, 32, 64, 128, 256]},
    "3d": {"dims": 3, "size": 64, "batch": 2, "filters": [8, 16, 32, 64]},
}


class UNet(nn.Module):
    def __init__(self, dims, filters):
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv3d
        bn = nn.BatchNorm2d if dims == 2 else nn.BatchNorm3d
        up = nn.ConvTranspose2d if dims == 2 else nn.ConvTranspose3d
        self.pool = nn.MaxPool2d(2) if dims == 2 else nn.MaxPool3d(2)

        def block(cin, cout):
            return nn.Sequential(
                conv(cin, cout, 3, padding=1), bn(cout, eps=1e-3, momentum=0.01), nn.ReLU(inplace=True),
                conv(cout, cout, 3, padding=1), bn(cout, eps=1e-3, momentum=0.01), nn.ReLU(inplace=True),
            )

        self.down = nn.ModuleList()
        cin = 1
        for f in filters[:-1]:
            self.down.append(block(cin, f))
            cin = f
        self.bottom = block(cin, filters[-1])
        self.ups = nn.ModuleList()
        self.dec = nn.ModuleList()
        cin = filters[-1]
        for f in reversed(filters[:-1]):
            self.ups.append(up(cin, f, 2, stride=2))
            self.dec.append(block(2 * f, f))
            cin = f
        self.head = conv(cin, 1, 1)

    def forward(self, x):
        skips = []
        for b in self.down:
            x = b(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for u, d in zip(self.ups, self.dec):
            x = d(torch.cat([u(x), skips.pop()], dim=1))
        return self.head(x)


def median_ms(reps, f):
    f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)[len(times) // 2]


def main():
    args = json.loads(sys.argv[1] if len(sys.argv) > 1 else "{}")
    spec = NETS[args.get("net", "2d")]
    torch.set_num_threads(int(args.get("threads", 2)))
    torch.manual_seed(1)
    model = UNet(spec["dims"], spec["filters"])
    x = torch.randn(spec["batch"], 1, *([spec["size"]] * spec["dims"]))
    y = (x > 0).float()
    reps = int(args.get("reps", 5))

    model.eval()

    def forward():
        with torch.no_grad():
            model(x)

    forward_ms = median_ms(reps, forward)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    train_ms = median_ms(reps, step)
    print(json.dumps({
        "net": args.get("net", "2d"), "backend": f"pytorch {torch.__version__} cpu", "threads": torch.get_num_threads(),
        "input": list(x.shape), "params": sum(p.numel() for p in model.parameters()) + sum(b.numel() for n, b in model.named_buffers() if "running" in n),
        "forwardMs": round(forward_ms, 1), "trainStepMs": round(train_ms, 1),
        # Linux reports the resident-set high-water mark in KiB.
        "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
