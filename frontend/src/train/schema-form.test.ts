import { describe, expect, it } from 'vitest';
import { decodeConfigSchema } from '../lib/api.training';
import { specFields } from './fixtures';
import { effectiveValue, initialValues, inputKind, parseField, rangeHint, validateForm } from './schema-form';

const field = (name: string) => specFields.find((f) => f.name === name)!;

describe('the form generated from a config_schema', () => {
  it('reads the schema in its order, with defaults, choices and bounds', () => {
    const schema = decodeConfigSchema(
      JSON.parse(`{
        "batch_size": {"type": "integer", "label": "Batch Size", "default": 8, "help_text": "Number of images", "min": 1},
        "epochs": {"type": "integer", "label": "Epochs", "default": 10},
        "model_architecture": {"type": "choice", "label": "Model Architecture", "choices": [["upernet-convnext-base", "UperNet ConvNeXt Base"], ["unet"]]},
        "learning_rate": {"type": "float", "label": "Learning Rate", "default": 0.001, "max": 1}
      }`),
    );
    expect(schema.map((f) => f.name)).toEqual(['batch_size', 'epochs', 'model_architecture', 'learning_rate']);
    expect(schema[0]).toMatchObject({ type: 'integer', default: 8, min: 1, max: null, help_text: 'Number of images' });
    expect(schema[2]!.choices).toEqual([
      ['upernet-convnext-base', 'UperNet ConvNeXt Base'],
      ['unet', 'unet'],
    ]);
    expect(schema[2]!.default).toBeNull();
    expect(schema.map(inputKind)).toEqual(['number', 'number', 'select', 'number']);
    expect(() => decodeConfigSchema({ x: { type: 'tensor' } })).toThrow();
  });

  it('starts from the defaults, or from an earlier config', () => {
    expect(initialValues(specFields)).toEqual({
      batch_size: '8',
      epochs: '10',
      model_architecture: 'upernet-convnext-base',
      learning_rate: '0.001',
      augment: true,
      note: '',
    });
    const again = initialValues(specFields, { epochs: 3, model_architecture: 'unet', augment: false, gone: 1 });
    expect(again).toMatchObject({ epochs: '3', model_architecture: 'unet', augment: false, batch_size: '8' });
    expect(again).not.toHaveProperty('gone');
  });

  it('checks integers', () => {
    const bs = field('batch_size');
    expect(parseField(bs, '16')).toEqual({ ok: true, value: 16 });
    expect(parseField(bs, ' 4 ')).toEqual({ ok: true, value: 4 });
    expect(parseField(bs, 'abc')).toEqual({ ok: false, error: 'must be a whole number' });
    expect(parseField(bs, '2.5')).toEqual({ ok: false, error: 'must be a whole number (no decimals)' });
    expect(parseField(bs, '0')).toEqual({ ok: false, error: 'must be at least 1' });
    expect(parseField(bs, '65')).toEqual({ ok: false, error: 'must be at most 64' });
    expect(parseField(bs, '99999999999999999999')).toEqual({ ok: false, error: 'is too large' });
    // Empty: the server fills in the default.
    expect(parseField(bs, '')).toEqual({ ok: true, value: undefined });
    expect(parseField(field('epochs'), '-1')).toEqual({ ok: true, value: -1 });
  });

  it('checks floats', () => {
    const lr = field('learning_rate');
    expect(parseField(lr, '0.01')).toEqual({ ok: true, value: 0.01 });
    expect(parseField(lr, '1e-4')).toEqual({ ok: true, value: 0.0001 });
    expect(parseField(lr, '.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseField(lr, 'fast')).toEqual({ ok: false, error: 'must be a number, like 0.001 or 1e-3' });
    expect(parseField(lr, '-0.1')).toEqual({ ok: false, error: 'must be at least 0' });
    expect(parseField(lr, '2')).toEqual({ ok: false, error: 'must be at most 1' });
    expect(parseField(lr, 'Infinity').ok).toBe(false);
  });

  it('checks choices, booleans and required text', () => {
    const arch = field('model_architecture');
    expect(parseField(arch, 'unet')).toEqual({ ok: true, value: 'unet' });
    expect(parseField(arch, 'resnet')).toEqual({ ok: false, error: 'must be one of UperNet ConvNeXt Base, U-Net' });
    expect(parseField(field('augment'), false)).toEqual({ ok: true, value: false });
    expect(parseField(field('note'), '')).toEqual({ ok: false, error: 'is required' });
    expect(parseField(field('note'), 'x')).toEqual({ ok: true, value: 'x' });
  });

  it('validates the whole form into a config', () => {
    const values = { ...initialValues(specFields), epochs: '5', note: 'first try' };
    const r = validateForm(specFields, values);
    expect(r).toEqual({
      valid: true,
      errors: {},
      config: { batch_size: 8, epochs: 5, model_architecture: 'upernet-convnext-base', learning_rate: 0.001, augment: true, note: 'first try' },
    });
    const bad = validateForm(specFields, { ...values, epochs: 'abc', batch_size: '' });
    expect(bad.valid).toBe(false);
    expect(bad.errors).toEqual({ epochs: 'must be a whole number' });
    expect(bad.config).not.toHaveProperty('batch_size');
  });

  it('says what a field will train with, and its range', () => {
    expect(effectiveValue(field('batch_size'), { batch_size: '' })).toBe(8);
    expect(effectiveValue(field('batch_size'), { batch_size: 'x' })).toBeUndefined();
    expect(effectiveValue(field('model_architecture'), {})).toBe('upernet-convnext-base');
    expect(rangeHint(field('batch_size'))).toBe('from 1 to 64');
    expect(rangeHint(field('epochs'))).toBe('');
  });
});
