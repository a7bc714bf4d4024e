// One entry of an attribute list carried by an event.
namespace Rtm {

/// <summary>
/// A user or channel attribute. Channel attributes also say who updated them last and when
/// (<see cref="UpdatedBy"/> is null and <see cref="UpdatedTsMs"/> 0 where the list has no such
/// data, as for user attributes).
/// </summary>
public sealed class AttributeEntry {
    /// <summary>The key (1-32 bytes).</summary>
    public string Key { get; private set; }
    /// <summary>The value (1-8,192 bytes).</summary>
    public string Value { get; private set; }
    /// <summary>Who last updated a channel attribute; null otherwise.</summary>
    public string UpdatedBy { get; private set; }
    /// <summary>When a channel attribute was last updated, ms since the epoch; 0 otherwise.</summary>
    public long UpdatedTsMs { get; private set; }

    internal AttributeEntry(string key, string value, string updatedBy, long updatedTsMs) {
        Key = key;
        Value = value;
        UpdatedBy = updatedBy;
        UpdatedTsMs = updatedTsMs;
    }

    /// <summary>"key=value".</summary>
    public override string ToString() {
        return Key + "=" + Value;
    }
}

}
