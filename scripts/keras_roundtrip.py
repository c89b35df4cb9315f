#!/usr/bin/env python3
"""Convert a saved unet-kit (tfjs layers) model to Keras 3 and back, without tensorflowjs.

Needs h5py, numpy and keras (with the TensorFlow backend for `--fit`).

  python scripts/keras_roundtrip.py to-keras   MODEL_DIR  OUT.h5
  python scripts/keras_roundtrip.py from-keras IN.h5      MODEL_DIR
  python scripts/keras_roundtrip.py predict    IN.h5      INPUT.json OUT.json
  python scripts/keras_roundtrip.py fit        IN.h5      [--epochs 1]

`to-keras` writes a Keras-2-style HDF5 file (the layout `keras.models.load_model` still reads):
the tfjs `modelTopology` as `model_config`, and each layer's weights from the tfjs manifest
(named `layer/weight`, in manifest order) under `model_weights/<layer>`. `from-keras` does the
reverse: it loads any model Keras can, re-saves it in that HDF5 layout for its Keras-2-style
topology, normalizes the few config keys tfjs reads differently, and writes `model.json` +
`weights.bin` that `loadModel` / `tf.loadLayersModel` read. `fit` trains the model for a step on
random data under `tf.distribute.MirroredStrategy` (the way to many GPUs and machines).

unet-kit layers Keras lacks (InstanceNormalization, trilinear UpSampling3D) are not mapped.
"""
import argparse
import json
import os
import sys
import tempfile

import h5py
import numpy as np

DTYPES = {"float32": np.float32, "int32": np.int32}


def read_tfjs(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        model_json = json.load(f)
    weights = []
    for group in model_json["weightsManifest"]:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            dtype = DTYPES[spec["dtype"]]
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            value = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(spec["shape"])
            offset += count * np.dtype(dtype).itemsize
            weights.append((spec["name"], value))
    return model_json["modelTopology"], weights


def to_keras(model_dir, out_path):
    topology, weights = read_tfjs(model_dir)
    config = topology.get("model_config", topology)
    layer_names = [layer["name"] for layer in config["config"]["layers"]]
    with h5py.File(out_path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [n.encode("utf8") for n in layer_names]
        group.attrs["backend"] = "tensorflow"
        group.attrs["keras_version"] = "2.15.0"
        for name in layer_names:
            layer_group = group.create_group(name)
            own = [(w, v) for w, v in weights if w.rsplit("/", 1)[0] == name]
            layer_group.attrs["weight_names"] = [(w + ":0").encode("utf8") for w, _ in own]
            for w, v in own:
                layer_group.create_dataset(w + ":0", data=v)


def keras_tensors(value):
    """The `keras_history` of every Keras 3 tensor reference in a node's args, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"]]
        return [h for v in value.values() for h in keras_tensors(v)]
    if isinstance(value, (list, tuple)):
        return [h for v in value for h in keras_tensors(v)]
    return []


def legacy_nodes(nodes):
    """Keras 3 writes a node as {args, kwargs}; tfjs reads [[layer, node, tensor, kwargs], ...]."""
    out = []
    for node in nodes:
        if isinstance(node, dict):
            out.append([[name, n, t, {}] for name, n, t in keras_tensors(node.get("args", []))])
        else:
            out.append(node)
    return out


def normalize_config(value):
    """Keras 3 configs carry dtype policies as objects and nodes as {args, kwargs}; tfjs reads Keras 2's forms."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy" or value.get("class_name") == "Policy":
            return value.get("config", {}).get("name", "float32")
        out = {}
        for k, v in value.items():
            if k in ("module", "registered_name", "build_config", "compile_config"):
                continue
            if k == "batch_shape":
                k = "batch_input_shape"
            out[k] = legacy_nodes(v) if k == "inbound_nodes" else normalize_config(v)
        return out
    if isinstance(value, list):
        return [normalize_config(v) for v in value]
    return value


def from_keras(in_path, model_dir):
    import keras

    model = keras.models.load_model(in_path, compile=False)
    with tempfile.TemporaryDirectory() as tmp:
        legacy = os.path.join(tmp, "model.h5")
        model.save(legacy)
        with h5py.File(legacy, "r") as f:
            config = json.loads(f.attrs["model_config"])
    topology = {"class_name": config["class_name"], "config": normalize_config(config["config"]),
                "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
    specs, blobs = [], []
    for layer in model.layers:
        for w in layer.weights:
            value = np.asarray(w.numpy())
            dtype = "int32" if value.dtype.kind in "iu" else "float32"
            value = value.astype(DTYPES[dtype])
            specs.append({"name": f"{layer.name}/{w.name}", "shape": list(value.shape), "dtype": dtype})
            blobs.append(value.tobytes())
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    model_json = {"modelTopology": topology, "format": "layers-model", "generatedBy": f"keras {keras.__version__}",
                  "convertedBy": "unet-kit scripts/keras_roundtrip.py",
                  "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}]}
    with open(os.path.join(model_dir, "model.json"), "w") as f:
        json.dump(model_json, f)


def predict(in_path, input_json, out_json):
    """Input and output as JSON {"shape": [...], "data": [...]} (row-major), easy to write from JS."""
    import keras

    model = keras.models.load_model(in_path, compile=False)
    with open(input_json) as f:
        spec = json.load(f)
    x = np.asarray(spec["data"], dtype=np.float32).reshape(spec["shape"])
    y = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    with open(out_json, "w") as f:
        json.dump({"shape": list(y.shape), "data": y.ravel().tolist()}, f)


def fit(in_path, epochs):
    import keras
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = keras.models.load_model(in_path, compile=False)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    shape = model.input_shape[1:]
    classes = model.output_shape[-1]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, *shape)).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, (4, *model.output_shape[1:-1]))]
    history = model.fit(x, y, epochs=epochs, batch_size=2, verbose=0)
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "loss": [float(v) for v in history.history["loss"]]}))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("to-keras"); p.add_argument("model_dir"); p.add_argument("out")
    p = sub.add_parser("from-keras"); p.add_argument("input"); p.add_argument("model_dir")
    p = sub.add_parser("predict"); p.add_argument("model"); p.add_argument("input_json"); p.add_argument("out_json")
    p = sub.add_parser("fit"); p.add_argument("model"); p.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "to-keras":
        to_keras(args.model_dir, args.out)
    elif args.command == "from-keras":
        from_keras(args.input, args.model_dir)
    elif args.command == "predict":
        predict(args.model, args.input_json, args.out_json)
    else:
        fit(args.model, args.epochs)


if __name__ == "__main__":
    main(sys.argv[1:])
