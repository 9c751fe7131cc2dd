use super::*;

fn f32s(shape: &[usize], values: impl Iterator<Item = f32>) -> Tensor {
    Tensor {
        dtype: Dtype::F32,
        shape: shape.to_vec(),
        data: values.flat_map(f32::to_le_bytes).collect(),
    }
}

fn zeros(shape: &[usize]) -> Tensor {
    f32s(shape, std::iter::repeat_n(0.0, shape.iter().product()))
}

fn parameter(name: &str, shape: &[usize], layout: Option<ConvLayout>) -> PortParameter {
    PortParameter {
        name: name.into(),
        shape: shape.to_vec(),
        layout,
    }
}

fn module(path: &str, class: &str) -> PortModule {
    PortModule {
        path: path.into(),
        class: class.into(),
    }
}

fn state(key: &str, tensors: &[(&str, Tensor)]) -> StateDict {
    StateDict {
        key: key.into(),
        tensors: tensors
            .iter()
            .map(|(name, t)| (name.to_string(), t.clone()))
            .collect(),
    }
}

/// A tiny language model: an embedding tied to the head, a conv, a BatchNorm.
fn model() -> PortModel {
    PortModel {
        parameters: vec![
            parameter("wte.weight", &[4, 2], None),
            parameter("conv.weight", &[3, 1, 2], Some(ConvLayout::Conv)),
            parameter("bn.running_mean", &[3], None),
        ],
        modules: vec![
            module("", "Net"),
            module("wte", "Embedding"),
            module("conv", "Conv1d"),
            module("bn", "BatchNorm"),
        ],
    }
}

fn weights() -> WeightsFile {
    WeightsFile {
        aliases: vec![AliasEntry {
            class: "Net".into(),
            name: "head.weight".into(),
            owner: "wte.weight".into(),
        }],
        dropped: vec![DroppedEntry {
            class: "Net".into(),
            name: "mask".into(),
            reason: "a non-persistent buffer".into(),
        }],
    }
}

fn torch_state(prefix: &str) -> Vec<(String, Tensor)> {
    let wte = f32s(&[4, 2], (0..8).map(|v| v as f32));
    [
        ("wte.weight", wte.clone()),
        ("head.weight", wte),
        ("conv.weight", f32s(&[3, 2, 1], (0..6).map(|v| v as f32))),
        ("bn.running_mean", zeros(&[3])),
        ("bn.num_batches_tracked", zeros(&[])),
        ("mask", zeros(&[2, 2])),
    ]
    .into_iter()
    .map(|(name, t)| (format!("{prefix}{name}"), t))
    .collect()
}

#[test]
fn a_nested_checkpoint_converts_under_the_ports_names_and_layouts() {
    let named = torch_state("");
    let named: Vec<(&str, Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let candidates = vec![
        state("", &[("step", zeros(&[]))]),
        state("model", &named),
        state("optimizer.state.0", &[("exp_avg", zeros(&[4, 2]))]),
    ];
    let conversion = convert(candidates, &model(), &weights()).expect("tensors found");
    assert_eq!(conversion.key, "model");
    assert_eq!(conversion.candidates, 3);
    assert!(conversion.loads_strictly(), "{}", report(&conversion));
    assert_eq!(
        conversion.tensors.keys().collect::<Vec<_>>(),
        ["bn.running_mean", "conv.weight", "wte.weight"]
    );
    assert_eq!(conversion.moved, 1);
    let conv = &conversion.tensors["conv.weight"];
    assert_eq!(conv.shape, [3, 1, 2]);
    let values: Vec<f32> = conv
        .data
        .chunks(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let skipped: Vec<&str> = conversion.skipped.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(skipped, ["bn.num_batches_tracked", "head.weight", "mask"]);
    assert!(report(&conversion).contains("state dict: key `model` (the best fit of 3"));
}

#[test]
fn a_data_parallel_prefix_is_removed() {
    let named = torch_state("module.");
    let named: Vec<(&str, Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let conversion = convert(vec![state("", &named)], &model(), &weights()).unwrap();
    assert_eq!(conversion.stripped_prefix, "module.");
    assert!(conversion.loads_strictly(), "{}", report(&conversion));
}

#[test]
fn missing_unexpected_and_untied_entries_are_named_and_fail_strict_loading() {
    let mut named = torch_state("");
    named.retain(|(n, _)| n != "bn.running_mean");
    named.push(("extra.bias".into(), zeros(&[5])));
    for (name, tensor) in &mut named {
        if name == "head.weight" {
            *tensor = zeros(&[4, 2]);
        }
    }
    let named: Vec<(&str, Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let conversion = convert(vec![state("", &named)], &model(), &weights()).unwrap();
    assert!(!conversion.loads_strictly());
    let text = report(&conversion);
    assert!(text.contains("missing: bn.running_mean [3]"), "{text}");
    assert!(text.contains("unexpected: extra.bias [5]"), "{text}");
    assert!(text.contains("head.weight is tied to wte.weight"), "{text}");
}

#[test]
fn a_shape_that_differs_is_a_problem() {
    let conversion = convert(
        vec![state("", &[("bn.running_mean", zeros(&[4]))])],
        &model(),
        &WeightsFile::default(),
    )
    .unwrap();
    assert!(conversion.problems[0].starts_with("bn.running_mean: shape [4]"));
}

#[test]
fn no_tensors_no_conversion() {
    assert!(convert(Vec::new(), &model(), &weights()).is_none());
}
