"""Import torchvision classification models and compare with torch: one line of JSON per model.

`PYTHONPATH=. python benchmarks/import_zoo.py resnet50 vgg16 ...` (a handful at a time: the
machine is shared). DEVICE=cpu builds on the CPU (torchvision's RegNet cannot be built on the
meta device), SIZE=224 overrides the DEFAULT weights' crop size (vit_h_14 without weights is a
224 model). A first-session measuring script (IMPORT_STATUS.md), not yet wired into
benchmarks/run.py or CI."""
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import torch
import torchvision
from shapecalc.torch.importer import import_model
from shapecalc.analysis.check import check_text
names = sys.argv[1:]
for name in names:
    t = time.time()
    rec = {"model": name}
    try:
        w = torchvision.models.get_model_weights(name).DEFAULT
        crop = int(os.environ.get("SIZE") or w.transforms().crop_size[0])
        with torch.device(os.environ.get("DEVICE", "meta")):
            m = torchvision.models.get_model(name, weights=None)
        imp = import_model(m, (3, crop, crop), name)
        rec.update(size=crop, unmapped=[str(u) for u in imp.unmapped], torch_params=imp.params, torch_buffers=imp.buffers,
                   unused=imp.unused, layers=len(imp.document["layers"]))
        if not imp.unmapped:
            an = check_text(imp.yaml(), name)
            rec.update(params=an.total_params, buffers=an.buffers,
                       shape_mismatch=sum(1 for n, s in imp.shapes.items() if an.layer(n) is None or tuple(an.layer(n).output_shape or ()) != s),
                       errors=[f"{d.code} {d.message}" for d in an.diagnostics if d.code[0] in "FGSY"][:3])
    except Exception as e:
        rec["exception"] = f"{type(e).__name__}: {str(e)[:200]}"
    rec["seconds"] = round(time.time() - t, 1)
    print(json.dumps(rec), flush=True)
