// Writes a TreeEnsemble as an ONNX ai.onnx.ml TreeEnsembleClassifier (the format LightGBM and XGBoost
// models convert to, so a model trained offline with those can be dropped in) and reads one back, so
// background retraining can continue from whichever model is active.

import { onnx } from 'onnx-proto';
import type { Tree, TreeEnsemble } from './gbdt';
import type { ModelInfo } from '../../../shared/router';

export const METADATA_KEY = 'singularity.router';
export const INPUT_NAME = 'features';

const A = onnx.AttributeProto.AttributeType;
const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints: values });
const floats = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: A.FLOATS, floats: values });
const text = new TextEncoder();
const untext = new TextDecoder();

export function toOnnx(model: TreeEnsemble, info: ModelInfo): Uint8Array {
  const n = { tree: [] as number[], node: [] as number[], feature: [] as number[], value: [] as number[], mode: [] as string[], yes: [] as number[], no: [] as number[] };
  const leaves = { tree: [] as number[], node: [] as number[], weight: [] as number[] };
  model.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i]! < 0;
      n.tree.push(t);
      n.node.push(i);
      n.feature.push(leaf ? 0 : tree.feature[i]!);
      n.value.push(leaf ? 0 : tree.threshold[i]!);
      n.mode.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      n.yes.push(leaf ? 0 : tree.left[i]!);
      n.no.push(leaf ? 0 : tree.right[i]!);
      if (leaf) {
        leaves.tree.push(t);
        leaves.node.push(i);
        leaves.weight.push(tree.value[i]!);
      }
    }
  });
  const classifier: onnx.INodeProto = {
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    name: 'router',
    input: [INPUT_NAME],
    output: ['label', 'probabilities'],
    attribute: [
      ints('nodes_treeids', n.tree),
      ints('nodes_nodeids', n.node),
      ints('nodes_featureids', n.feature),
      floats('nodes_values', n.value),
      { name: 'nodes_modes', type: A.STRINGS, strings: n.mode.map((m) => text.encode(m)) },
      ints('nodes_truenodeids', n.yes),
      ints('nodes_falsenodeids', n.no),
      ints('class_treeids', leaves.tree),
      ints('class_nodeids', leaves.node),
      ints('class_ids', leaves.tree.map(() => 0)),
      floats('class_weights', leaves.weight),
      floats('base_values', [model.baseScore]),
      ints('classlabels_int64s', [0, 1]),
      { name: 'post_transform', type: A.STRING, s: text.encode('LOGISTIC') },
    ],
  };
  const tensor = (elemType: number, dims: (number | string)[]): onnx.ITypeProto => ({
    tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'singularity',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadataProps: [{ key: METADATA_KEY, value: JSON.stringify(info) }],
    graph: {
      name: 'singularity-router',
      node: [classifier],
      input: [{ name: INPUT_NAME, type: tensor(onnx.TensorProto.DataType.FLOAT, ['N', model.featureCount]) }],
      output: [
        { name: 'label', type: tensor(onnx.TensorProto.DataType.INT64, ['N']) },
        { name: 'probabilities', type: tensor(onnx.TensorProto.DataType.FLOAT, ['N', 2]) },
      ],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

type Int64 = number | { toNumber(): number };
const num = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());

/** The model's metadata, or undefined when the file has none of ours (e.g. a model converted elsewhere). */
export function readInfo(bytes: Uint8Array): ModelInfo | undefined {
  const proto = onnx.ModelProto.decode(bytes);
  const entry = proto.metadataProps.find((p) => p.key === METADATA_KEY);
  return entry?.value ? (JSON.parse(entry.value) as ModelInfo) : undefined;
}

/**
 * Reads a binary TreeEnsembleClassifier back into trees, so new trees can be fitted on top of it.
 * Undefined when the file holds another kind of graph (any ONNX model that follows the schema still
 * routes; retraining then starts from scratch).
 */
export function fromOnnx(bytes: Uint8Array): TreeEnsemble | undefined {
  const proto = onnx.ModelProto.decode(bytes);
  const node = proto.graph?.node?.find((x) => x.opType === 'TreeEnsembleClassifier');
  if (!node || proto.graph?.node?.length !== 1) return undefined;
  const attr = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  const intsOf = (name: string) => (attr.get(name)?.ints ?? []).map((v) => num(v as Int64));
  const floatsOf = (name: string) => attr.get(name)?.floats ?? [];
  const post = untext.decode(attr.get('post_transform')?.s ?? new Uint8Array());
  if (post !== 'LOGISTIC' || intsOf('classlabels_int64s').length !== 2 || intsOf('class_ids').some((c) => c !== 0)) return undefined;
  const dims = proto.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const featureCount = num((dims[1]?.dimValue ?? 0) as Int64);

  const treeIds = intsOf('nodes_treeids');
  const nodeIds = intsOf('nodes_nodeids');
  const features = intsOf('nodes_featureids');
  const values = floatsOf('nodes_values');
  const modes = (attr.get('nodes_modes')?.strings ?? []).map((s) => untext.decode(s));
  const yes = intsOf('nodes_truenodeids');
  const no = intsOf('nodes_falsenodeids');
  if (modes.some((m) => m !== 'LEAF' && m !== 'BRANCH_LEQ')) return undefined;
  const trees: Tree[] = [];
  const treeOf = (t: number): Tree => (trees[t] ??= { feature: [], threshold: [], left: [], right: [], value: [] });
  treeIds.forEach((t, k) => {
    const tree = treeOf(t);
    const i = nodeIds[k]!;
    const leaf = modes[k] === 'LEAF';
    tree.feature[i] = leaf ? -1 : features[k]!;
    tree.threshold[i] = leaf ? 0 : values[k]!;
    tree.left[i] = leaf ? 0 : yes[k]!;
    tree.right[i] = leaf ? 0 : no[k]!;
    tree.value[i] = 0;
  });
  const leafTrees = intsOf('class_treeids');
  const leafNodes = intsOf('class_nodeids');
  floatsOf('class_weights').forEach((w, k) => {
    const tree = treeOf(leafTrees[k]!);
    tree.value[leafNodes[k]!] = (tree.value[leafNodes[k]!] ?? 0) + w;
  });
  return { featureCount, baseScore: floatsOf('base_values')[0] ?? 0, trees };
}
