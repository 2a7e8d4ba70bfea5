import { basename, dirname, join } from 'node:path';
import { AutoModel, AutoTokenizer, env, Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@xenova/transformers';
import { UserError } from '../shared/errors.js';
import { padBatch } from './batch.js';
import type { TransformerModel } from './model.js';
import { meanPoolNormalize } from './pooling.js';

/** A sentence-transformer in a local transformers.js folder: tokenizer + ONNX encoder + mean pooling. */
export class TransformerEmbedder {
  private constructor(
    /** The model in the user's words: a hub name or the folder given. */
    readonly name: string,
    /** Changes whenever the vectors could: the weights, the tokenizer and the truncation length. */
    readonly identity: string,
    readonly dim: number,
    readonly maxTokens: number,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    /** Whether the tokenizer strips accents, which transformers.js 2.17 does only for U+0300–U+036F. */
    private readonly stripsAccents: boolean,
    /** int8 weights with activations quantized per call: a text's vector would depend on its batch mates. */
    readonly quantized: boolean,
  ) {}

  static async load(resolved: TransformerModel): Promise<TransformerEmbedder> {
    const { name, dir, identity, dim, maxTokens, quantized, stripsAccents } = resolved;

    // Only ever read local files: downloads are papermap's job (pinned sums, timeouts), not the library's.
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.localModelPath = dirname(dir);
    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    // the error names the file that would not load: the tokenizer's, or the weights transformers.js picks
    const cannotLoad = (file: string, error: unknown) =>
      new UserError(`cannot load the model in ${dir}: ${join(dir, file)}: ${(error as Error).message.split('\n')[0]}; replace it with a sound copy`);
    try {
      tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
    } catch (error) {
      throw cannotLoad('tokenizer.json', error);
    }
    try {
      model = await AutoModel.from_pretrained(basename(dir), { quantized });
    } catch (error) {
      throw cannotLoad(join('onnx', quantized ? 'model_quantized.onnx' : 'model.onnx'), error);
    }
    return new TransformerEmbedder(name, identity, dim, maxTokens, tokenizer, model, stripsAccents, quantized);
  }

  /**
   * Word-piece ids of one text, cut at maxTokens the way sentence-transformers
   * does it: the closing [SEP] is kept. (transformers.js's own truncation drops
   * it, which would give different vectors from the reference model.)
   */
  tokenize(text: string): number[] {
    // The Rust and Python tokenizers strip every nonspacing mark (Unicode Mn) after NFD; transformers.js only
    // U+0300–U+036F, so kana with dakuten, Arabic or Hebrew vowel marks became [UNK]. Stripped here first, they match.
    const ids = this.tokenizer.encode(this.stripsAccents ? text.normalize('NFD').replace(/\p{Mn}/gu, '') : text);
    return ids.length <= this.maxTokens ? ids : [...ids.slice(0, this.maxTokens - 1), ids[ids.length - 1]];
  }

  /**
   * Embeds already tokenized texts as one padded batch; returns batch x dim unit vectors.
   * Callers group texts of similar length so that little compute goes to padding.
   */
  async embedTokenized(batch: readonly (readonly number[])[]): Promise<Float32Array> {
    const { inputIds, attentionMask, tokenTypeIds, dims } = padBatch(batch);
    const output = (await this.model({
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: new Tensor('int64', attentionMask, dims),
      token_type_ids: new Tensor('int64', tokenTypeIds, dims),
    })) as { last_hidden_state: { data: Float32Array } };
    return meanPoolNormalize(output.last_hidden_state.data, attentionMask, dims[0], dims[1], this.dim);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
